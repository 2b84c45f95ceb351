import pg from 'pg';
import { ConnectionError } from '../errors.js';
import { assertDatabaseUrl } from './database-url.js';
import { passwordOf, redact } from './redact.js';

/** A connected client for the runner, with its secrets for redaction. */
export interface Connection {
  client: pg.Client;
  /** Server major version (`server_version_num / 10000`). */
  serverVersion: number;
  /** The password in the URL, to keep out of every message. */
  secrets: string[];
  close(): Promise<void>;
}

/**
 * Connects with `application_name` set so other sessions (and the runner
 * lock's "who holds it") can tell who this is. Failures become a one-line
 * ConnectionError that never shows the password.
 */
export async function connect(url: string, applicationName: string): Promise<Connection> {
  assertDatabaseUrl(url);
  const secrets = passwordOf(url);
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  // An error event after connect (server gone) must not crash the process; the next query fails instead.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new ConnectionError(`cannot connect to the database: ${redact(describe(error), [...secrets, url])}`, { cause: error });
  }
  // SHOW names its column after the setting: reading `version` gave 0 (any server looked older than 12).
  const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return {
    client,
    serverVersion: Math.floor(Number(rows[0]?.server_version_num ?? '0') / 10_000),
    secrets,
    close: () => client.end().catch(() => {}),
  };
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || (error as { code?: string }).code || 'unknown error';
}
