import type pg from 'pg';
import { quoteIdent } from '../sql/names.js';

/** Whether pgtandem can read pg_stat_statements here, and how much of it. */
export type StatsAccess =
  | { available: false; reason: string }
  | {
      available: true;
      /** The schema the extension was created in. */
      schema: string;
      role: string;
      /** Superuser or pg_read_all_stats: other roles' statements are visible (otherwise their text and queryid are hidden). */
      readsAll: boolean;
    };

/** Calls per statement (`userid:queryid`) at one moment, with the texts when asked for. */
export interface StatsSnapshot {
  /** The server's clock (ms since the epoch) when it was taken. */
  takenAt: number;
  /** `pg_stat_statements_info.stats_reset` (PostgreSQL 14+): moves when every statistic is reset. */
  statsReset: string | null;
  calls: Map<string, number>;
  texts: Map<string, string | null>;
}

const ENABLE = 'add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements in this database';

/** Reads whether the extension is installed and loaded in this database, and whether this role sees every statement. */
export async function statsAccess(client: pg.ClientBase): Promise<StatsAccess> {
  const { rows } = await client.query<{ schema: string | null; role: string; reads_all: boolean }>(
    `SELECT (SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements') AS schema,
            current_user::text AS role,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS reads_all`,
  );
  const row = rows[0]!;
  if (!row.schema) return { available: false, reason: `pg_stat_statements is not installed in this database (${ENABLE})` };
  try {
    await client.query(`SELECT 1 FROM ${quoteIdent(row.schema)}.pg_stat_statements(false) LIMIT 1`);
  } catch (error) {
    // 55000: "pg_stat_statements must be loaded via shared_preload_libraries".
    return { available: false, reason: `pg_stat_statements cannot be read: ${firstLine(error)} (${ENABLE})` };
  }
  return { available: true, schema: row.schema, role: row.role, readsAll: row.reads_all };
}

/**
 * The calls of every statement of this database that this role may see
 * (statements of other roles without pg_read_all_stats have no queryid and
 * are left out). Texts are read only when asked: they can be large.
 */
export async function takeSnapshot(client: pg.ClientBase, schema: string, withTexts: boolean): Promise<StatsSnapshot> {
  const where = `${quoteIdent(schema)}.pg_stat_statements(${withTexts ? 'true' : 'false'})`;
  const info = await client.query<{ stats_reset: string | null; taken_at: string }>(
    `SELECT ${(await hasInfoView(client, schema)) ? `(SELECT stats_reset::text FROM ${quoteIdent(schema)}.pg_stat_statements_info)` : 'NULL::text'} AS stats_reset,
            (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS taken_at`,
  );
  const { rows } = await client.query<{ key: string; calls: string; query: string | null }>(
    `SELECT userid::text || ':' || queryid::text AS key, sum(calls)::text AS calls, ${withTexts ? 'min(query)' : 'NULL::text'} AS query
       FROM ${where}
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
      GROUP BY userid, queryid`,
  );
  return {
    takenAt: Number(info.rows[0]!.taken_at),
    statsReset: info.rows[0]!.stats_reset,
    calls: new Map(rows.map((r) => [r.key, Number(r.calls)])),
    texts: new Map(rows.map((r) => [r.key, r.query])),
  };
}

/** Calls of each statement since `start`; a statement whose count went down (evicted and back) counts all of its calls. */
export function callsSince(start: StatsSnapshot, end: StatsSnapshot): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, calls] of end.calls) {
    const before = start.calls.get(key) ?? 0;
    const moved = calls >= before ? calls - before : calls;
    if (moved > 0) delta.set(key, moved);
  }
  return delta;
}

const TABLE = 'pgtandem.usage_snapshots';

/** Keeps a snapshot (calls only) in the state schema, for `contract --usage-since migrate`. */
export async function saveSnapshot(client: pg.ClientBase, snapshot: StatsSnapshot, takenBy: string): Promise<void> {
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
       taken_at timestamptz NOT NULL, taken_by text NOT NULL, stats_reset text, calls jsonb NOT NULL)`,
  );
  await client.query(`INSERT INTO ${TABLE} (taken_at, taken_by, stats_reset, calls) VALUES (to_timestamp($1::float8 / 1000), $2, $3, $4::jsonb)`, [
    snapshot.takenAt,
    takenBy,
    snapshot.statsReset,
    JSON.stringify(Object.fromEntries(snapshot.calls)),
  ]);
  // Only the newest is ever read; keep a few for whoever looks.
  await client.query(`DELETE FROM ${TABLE} WHERE taken_at < (SELECT min(taken_at) FROM (SELECT taken_at FROM ${TABLE} ORDER BY taken_at DESC LIMIT 5) newest)`);
}

/** The newest snapshot `takenBy` kept, or undefined when there is none. */
export async function latestSnapshot(client: pg.ClientBase, takenBy: string): Promise<StatsSnapshot | undefined> {
  const exists = await client.query<{ table: string | null }>(`SELECT to_regclass($1)::text AS table`, [TABLE]);
  if (!exists.rows[0]?.table) return undefined;
  const { rows } = await client.query<{ taken_at: string; stats_reset: string | null; calls: Record<string, number> }>(
    `SELECT (extract(epoch FROM taken_at) * 1000)::float8::text AS taken_at, stats_reset, calls FROM ${TABLE} WHERE taken_by = $1 ORDER BY taken_at DESC LIMIT 1`,
    [takenBy],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { takenAt: Number(row.taken_at), statsReset: row.stats_reset, calls: new Map(Object.entries(row.calls)), texts: new Map() };
}

/** The server's clock, ms since the epoch: windows are measured on it, not on this machine's. */
export async function serverNow(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ now: string }>(`SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS now`);
  return Number(rows[0]!.now);
}

async function hasInfoView(client: pg.ClientBase, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ view: string | null }>(`SELECT to_regclass($1)::text AS view`, [`${quoteIdent(schema)}.pg_stat_statements_info`]);
  return rows[0]?.view !== null && rows[0]?.view !== undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
