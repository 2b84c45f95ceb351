import picomatch from 'picomatch';
import { connect } from '../db/connect.js';
import { assertDatabaseUrl } from '../db/database-url.js';
import { redact } from '../db/redact.js';
import { ConfigError, PgtandemError } from '../errors.js';
import type { FleetSpec, GeneratorEntry, TargetEntry } from './fleet-file.js';

/** One database, or one tenant schema in a database, that the fleet changes. */
export interface FleetTarget {
  name: string;
  /** The connection string (never shown: see `where`). */
  url: string;
  /** A tenant schema: migrations run with search_path set to it, and its state lives in it. */
  schema?: string;
  labels: string[];
  /** host:port, the unit of perServer concurrency. */
  server: string;
  /** `host:port/database`, without credentials: the unit the contract guards run once for. */
  database: string;
  /** `host:port/database[ schema]`, without credentials, for messages. */
  where: string;
  /** The entry of the fleet file it came from (`targets[2]`). */
  at: string;
}

/**
 * Lists the fleet: targets written out as they are, generators by asking
 * their server (schemas or databases matching a glob, rows of a query), each
 * generator's targets in name order (a query's in its own row order). Names must be unique across the fleet;
 * a generator that yields nothing is an error naming it — an empty fleet is
 * almost always a wrong pattern or server, never a rollout.
 */
export async function resolveTargets(spec: FleetSpec, env: NodeJS.ProcessEnv): Promise<FleetTarget[]> {
  const targets: FleetTarget[] = [];
  for (const { at, entry } of spec.entries) {
    const url = entryUrl(spec.path, at, entry, env);
    if ('name' in entry) targets.push(target(entry.name, url, at, (entry as TargetEntry).schema, entry.labels ?? []));
    else targets.push(...(await generate(spec.path, at, entry, url)));
  }
  const seen = new Map<string, FleetTarget>();
  for (const t of targets) {
    const earlier = seen.get(t.name);
    if (earlier) throw new ConfigError(spec.path, `${t.at}: duplicate target name "${t.name}" (also from ${earlier.at}); a generator's namePrefix tells two servers' tenants apart`);
    seen.set(t.name, t);
  }
  return targets;
}

function entryUrl(file: string, at: string, entry: TargetEntry | GeneratorEntry, env: NodeJS.ProcessEnv): string {
  const url = entry.url ?? env[entry.urlEnv!];
  if (url === undefined || url === '') throw new ConfigError(file, `${at}.urlEnv: the environment variable ${entry.urlEnv} is not set`);
  try {
    assertDatabaseUrl(url, entry.url !== undefined ? `${at}.url` : `${at}.urlEnv (${entry.urlEnv})`);
  } catch (error) {
    throw new ConfigError(file, (error as Error).message);
  }
  return url;
}

function target(name: string, url: string, at: string, schema: string | undefined, labels: string[]): FleetTarget {
  const { server, database } = locate(url);
  return { name, url, ...(schema !== undefined ? { schema } : {}), labels, server, database, where: `${database}${schema !== undefined ? ` schema ${schema}` : ''}`, at };
}

/** `host:port` and `host:port/database` of a connection URL, without its credentials. */
function locate(url: string): { server: string; database: string } {
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const server = `${host}:${parsed.port || '5432'}`;
  return { server, database: `${server}/${decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres'}` };
}

async function generate(file: string, at: string, entry: GeneratorEntry, url: string): Promise<FleetTarget[]> {
  const excluded = picomatch(entry.exclude ?? [], { dot: true });
  const prefix = entry.namePrefix ?? '';
  const labels = entry.labels ?? [];
  let connection;
  try {
    connection = await connect(url, 'pgtandem fleet');
  } catch (error) {
    throw new ConfigError(file, `${at}: cannot list its targets: ${(error as Error).message}`);
  }
  try {
    if (entry.schemas !== undefined || entry.databases !== undefined) {
      const glob = (entry.schemas ?? entry.databases)!;
      const { rows } = await connection.client.query<{ name: string }>(
        entry.schemas !== undefined
          ? `SELECT nspname AS name FROM pg_namespace
              WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'pgtandem') ORDER BY nspname`
          : 'SELECT datname AS name FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname',
      );
      const match = picomatch(glob, { dot: true });
      const names = rows.map((r) => r.name).filter((name) => match(name) && !excluded(name));
      if (names.length === 0) {
        throw new ConfigError(file, `${at}: "${glob}" matches no ${entry.schemas !== undefined ? 'schema' : 'database'} on ${entry.schemas !== undefined ? locate(url).database : locate(url).server}${rows.length > 0 ? ` (there: ${preview(rows.map((r) => r.name))})` : ''}`);
      }
      return names.map((name) =>
        entry.schemas !== undefined ? target(prefix + name, url, at, name, labels) : target(prefix + name, withDatabase(url, name), at, undefined, labels),
      );
    }
    const { rows, fields } = await connection.client.query(entry.query!).catch((error: unknown) => {
      throw new ConfigError(file, `${at}.query failed: ${redact((error as Error).message, connection!.secrets)}`);
    });
    if (!fields.some((f) => f.name === 'name')) throw new ConfigError(file, `${at}.query: its rows need a "name" column (got ${fields.map((f) => f.name).join(', ') || 'none'})`);
    const targets = rows
      .filter((row) => !excluded(String(row.name)))
      .map((row, index) => {
        const where = `${at}.query row ${index + 1}`;
        if (typeof row.name !== 'string' || row.name === '') throw new ConfigError(file, `${where}: "name" is empty`);
        const rowUrl = typeof row.url === 'string' && row.url !== '' ? row.url : typeof row.database === 'string' && row.database !== '' ? withDatabase(url, row.database) : url;
        if (rowUrl !== url) {
          try {
            assertDatabaseUrl(rowUrl, `${where}: url`);
          } catch (error) {
            throw new ConfigError(file, (error as Error).message);
          }
        }
        const schema = typeof row.schema === 'string' && row.schema !== '' ? row.schema : undefined;
        return target(prefix + row.name, rowUrl, at, schema, [...labels, ...rowLabels(row.labels)]);
      });
    if (targets.length === 0) throw new ConfigError(file, `${at}.query returned no targets`);
    return targets;
  } catch (error) {
    if (error instanceof PgtandemError) throw error;
    throw new ConfigError(file, `${at}: cannot list its targets: ${redact((error as Error).message, connection.secrets)}`);
  } finally {
    await connection.close();
  }
}

function rowLabels(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  if (typeof value === 'string') return value.split(',').map((v) => v.trim()).filter(Boolean);
  return [];
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

function preview(names: string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}
