import type pg from 'pg';
import type { QualifiedName } from '../sql/names.js';

/** Another session in the way: of a lock the runner needs, or of contract (an old-release client). */
export interface BlockingSession {
  pid: number;
  applicationName: string;
  state: string;
  /** The session's current or last query, truncated. */
  query: string;
  /** How long its transaction (lock holders) or its connection (old-release clients) has been open, in seconds. */
  seconds: number;
  since: 'transaction' | 'connection';
}

const QUERY_LENGTH = 120;

/**
 * Sessions holding locks on the given tables (or the relations the runner
 * waits for, when it is waiting now). Asked right after a lock timeout: the
 * holder that made us give up is almost always still there.
 */
export async function lockHolders(client: pg.ClientBase, tables: readonly QualifiedName[]): Promise<BlockingSession[]> {
  const names = tables.map((t) => (t.schema ? `${quote(t.schema)}.${quote(t.name)}` : quote(t.name)));
  const { rows } = await client.query<Row>(
    `SELECT DISTINCT a.pid, coalesce(a.application_name, '') AS application_name, coalesce(a.state, '') AS state,
            left(coalesce(a.query, ''), ${QUERY_LENGTH}) AS query,
            extract(epoch FROM now() - coalesce(a.xact_start, a.backend_start))::float8 AS seconds
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.pid <> pg_backend_pid() AND l.granted AND l.locktype = 'relation'
        AND l.relation IN (SELECT to_regclass(n) FROM unnest($1::text[]) AS n
                           UNION SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT to_regclass(n) FROM unnest($1::text[]) AS n))
      ORDER BY seconds DESC`,
    [names],
  );
  return rows.map((row) => toSession(row, 'transaction'));
}

/**
 * When the tables are unknown (a lock on an object the plan does not name),
 * the likely blockers: other sessions of this database holding relation locks
 * in a transaction open for at least `minSeconds`, oldest first.
 */
export async function likelyLockHolders(client: pg.ClientBase, minSeconds: number): Promise<BlockingSession[]> {
  const { rows } = await client.query<Row>(
    `SELECT DISTINCT a.pid, coalesce(a.application_name, '') AS application_name, coalesce(a.state, '') AS state,
            left(coalesce(a.query, ''), ${QUERY_LENGTH}) AS query,
            extract(epoch FROM now() - a.xact_start)::float8 AS seconds
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.pid <> pg_backend_pid() AND l.granted AND l.locktype = 'relation' AND a.datname = current_database()
        AND a.xact_start < now() - make_interval(secs => $1)
      ORDER BY seconds DESC LIMIT 5`,
    [minSeconds],
  );
  return rows.map((row) => toSession(row, 'transaction'));
}

/** Sessions connected to this database whose application_name matches a LIKE pattern. */
export async function sessionsNamed(client: pg.ClientBase, pattern: string): Promise<BlockingSession[]> {
  const { rows } = await client.query<Row>(
    `SELECT pid, coalesce(application_name, '') AS application_name, coalesce(state, '') AS state,
            left(coalesce(query, ''), ${QUERY_LENGTH}) AS query,
            extract(epoch FROM now() - backend_start)::float8 AS seconds
       FROM pg_stat_activity
      WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name LIKE $1
      ORDER BY pid`,
    [pattern],
  );
  return rows.map((row) => toSession(row, 'connection'));
}

/** One line per session, as error messages list them. */
export function describeSessions(sessions: readonly BlockingSession[]): string {
  return sessions
    .map(
      (s) =>
        `  pid ${s.pid}  application_name "${s.applicationName}"  ${s.state || 'unknown state'}, ${s.since === 'transaction' ? 'transaction open' : 'connected'} ${formatSeconds(s.seconds)}  query: ${oneLine(s.query) || '(none)'}`,
    )
    .join('\n');
}

interface Row {
  pid: number;
  application_name: string;
  state: string;
  query: string;
  seconds: number;
}

function toSession(row: Row, since: BlockingSession['since']): BlockingSession {
  return { pid: row.pid, applicationName: row.application_name, state: row.state, query: row.query, seconds: Math.max(0, Number(row.seconds)), since };
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function formatSeconds(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)}s` : `${Math.round(seconds / 60)}min`;
}
