import { randomBytes } from 'node:crypto';
import { connect, type Connection } from '../db/connect.js';
import { passwordOf, redact } from '../db/redact.js';
import { ConnectionError } from '../errors.js';

/** A fresh database on the shadow server, connected; `drop()` closes the connection and removes it. */
export interface ShadowDatabase {
  connection: Connection;
  /** Its URL (never print it): for a second session on the same database. */
  url: string;
  drop(): Promise<void>;
}

/** A server verify may create and drop databases on. */
export interface ShadowServer {
  /** Where it came from, for messages: never the URL. */
  kind: 'url' | 'embedded';
  /** Secrets to keep out of every message. */
  secrets: string[];
  createDatabase(): Promise<ShadowDatabase>;
  /** Drops what is left and, for an embedded server, stops it and deletes its data. */
  close(): Promise<void>;
}

/**
 * Opens the shadow server: the one at `url` (a server where the connecting
 * role may CREATE DATABASE), else an embedded PostgreSQL started for this
 * run. Docker (testcontainers) is not a provider yet. `purpose` names the
 * sessions (`pgtandem verify`) and the scratch databases (`pgtandem_verify_…`).
 */
export async function openShadowServer(url: string | undefined, purpose = 'verify'): Promise<ShadowServer> {
  if (url) return serverAt(url, 'url', purpose, async () => {});
  const { startEmbeddedPostgres } = await import('../db/embedded-postgres.js');
  const embedded = await startEmbeddedPostgres();
  return serverAt(embedded.url, 'embedded', purpose, embedded.stop);
}

async function serverAt(url: string, kind: ShadowServer['kind'], purpose: string, stop: () => Promise<void>): Promise<ShadowServer> {
  const secrets = [...passwordOf(url), url];
  const applicationName = `pgtandem ${purpose}`;
  const admin = await connect(url, applicationName);
  const created: ShadowDatabase[] = [];
  return {
    kind,
    secrets,
    async createDatabase() {
      const name = `pgtandem_${purpose}_${randomBytes(6).toString('hex')}`;
      try {
        await admin.client.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        throw new ConnectionError(`cannot create a shadow database: ${redact(error instanceof Error ? error.message : String(error), secrets)}`, { cause: error });
      }
      const target = withDatabase(url, name);
      const connection = await connect(target, applicationName);
      let dropped = false;
      const database: ShadowDatabase = {
        connection,
        url: target,
        async drop() {
          if (dropped) return;
          dropped = true;
          await connection.close();
          await admin.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
        },
      };
      created.push(database);
      return database;
    },
    async close() {
      for (const database of created) await database.drop();
      await admin.close();
      await stop();
    },
  };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

