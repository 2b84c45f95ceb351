import type pg from 'pg';

/** One standby streaming from this server, as `pg_stat_replication` shows it. */
export interface StandbyLag {
  name: string;
  /** `replay_lag` in milliseconds as the server measured it (null when it has none, as after an idle spell). */
  reportedLagMs: number | null;
  /** WAL written here that it has not replayed yet (0: replayed everything). */
  behindBytes: number;
  /** Its replay position, as a byte offset into the WAL. */
  replayLsn: number;
}

export interface SlotRetention {
  name: string;
  active: boolean;
  /** WAL the slot keeps on this server's disk (from its restart_lsn). */
  retainedBytes: number;
}

/** What the database says about its health before a batch; `unreadable` names the views this role cannot read. */
export interface HealthSignals {
  /** This server's WAL position when read, as a byte offset. */
  currentLsn: number;
  standbys: StandbyLag[];
  slots: SlotRetention[];
  /** Autovacuum workers on the backfilled table. */
  autovacuum: AutovacuumWorker[];
  unreadable: HealthView[];
}

/** An autovacuum worker on the backfilled table, as `pg_stat_progress_vacuum` and `pg_stat_activity` show it. */
export interface AutovacuumWorker {
  /** `scanning heap`, `vacuuming indexes`, … */
  phase: string;
  /**
   * An anti-wraparound vacuum (its activity reads `… (to prevent wraparound)`): it does not
   * yield its lock to anyone, and the table's XID age is what forced it.
   */
  wraparound: boolean;
}

/** Where this server's WAL stands (a standby running the backfill is refused by PostgreSQL anyway). */
const CURRENT_LSN = 'CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END';
const SELECT_LSN = `SELECT pg_wal_lsn_diff(${CURRENT_LSN}, '0/0')::float8 AS lsn`;

export type HealthView = 'pg_stat_replication' | 'pg_replication_slots' | 'pg_stat_progress_vacuum';

type StandbyRow = { name: string | null; state: string | null; lag_ms: number | null; behind: number | null; replay: number | null };
type SlotRow = { name: string; active: boolean; retained: number | null };
type AutovacuumRow = { relid: string | null; phase: string | null; target: boolean | null; wraparound: boolean | null };

/** Each view's rows; `$1` is the backfilled table. */
const VIEW_QUERIES: Record<HealthView, string> = {
  // The primary learns replay positions when the standby reports (wal_receiver_status_interval).
  pg_stat_replication: `SELECT application_name AS name, state,
            (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms,
            greatest(pg_wal_lsn_diff(${CURRENT_LSN}, replay_lsn), 0)::float8 AS behind,
            pg_wal_lsn_diff(replay_lsn, '0/0')::float8 AS replay
       FROM pg_stat_replication`,
  // A lost slot no longer holds WAL back.
  pg_replication_slots: `SELECT slot_name::text AS name, active, pg_wal_lsn_diff(${CURRENT_LSN}, restart_lsn)::float8 AS retained
       FROM pg_replication_slots WHERE restart_lsn IS NOT NULL AND wal_status IS DISTINCT FROM 'lost'`,
  // The worker's activity is `autovacuum: VACUUM public.orders (to prevent wraparound)` for an anti-wraparound one.
  pg_stat_progress_vacuum: `SELECT p.relid::text AS relid, p.phase, p.relid = to_regclass($1) AS target, a.query LIKE '%(to prevent wraparound)%' AS wraparound
       FROM pg_stat_progress_vacuum p LEFT JOIN pg_stat_activity a ON a.pid = p.pid
      WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (a.backend_type IS NULL OR a.backend_type = 'autovacuum worker')`,
};

const COLUMN: Record<HealthView, string> = { pg_stat_replication: 'standbys', pg_replication_slots: 'slots', pg_stat_progress_vacuum: 'autovacuum' };

/**
 * Reads replay lag, slot retention and autovacuum on `table`, in one round
 * trip before every batch. A role that may not read one of the views (no
 * `pg_monitor`) fails that query: each view is then read on its own, the
 * one it may not read named in `unreadable`, and the others still count.
 */
export async function readHealthSignals(client: pg.ClientBase, table: string, views: ReadonlySet<HealthView>): Promise<HealthSignals> {
  const chosen = [...views];
  const parts = chosen.map((view) => `(SELECT coalesce(json_agg(v), '[]') FROM (${VIEW_QUERIES[view]}) v) AS ${COLUMN[view]}`);
  // Only the vacuum query reads the table ($1).
  const parametersOf = (some: readonly HealthView[]): string[] => (some.includes('pg_stat_progress_vacuum') ? [table] : []);
  const all = await query<{ lsn: number } & Record<string, unknown[]>>(client, [SELECT_LSN, ...parts].join(',\n  '), parametersOf(chosen));
  const signals: HealthSignals = { currentLsn: 0, standbys: [], slots: [], autovacuum: [], unreadable: [] };
  const rowsOf = async <T>(view: HealthView): Promise<T[] | undefined> =>
    all ? (all[0]![COLUMN[view]] as T[]) : query<T & pg.QueryResultRow>(client, VIEW_QUERIES[view], parametersOf([view]));
  signals.currentLsn = Number(all ? all[0]!.lsn : ((await client.query<{ lsn: number }>(SELECT_LSN)).rows[0]?.lsn ?? 0));
  if (views.has('pg_stat_replication')) {
    const standbys = standbysOf(await rowsOf<StandbyRow>('pg_stat_replication'));
    if (standbys) signals.standbys = standbys;
    else signals.unreadable.push('pg_stat_replication');
  }
  if (views.has('pg_replication_slots')) {
    const slots = await rowsOf<SlotRow>('pg_replication_slots');
    if (slots) signals.slots = slots.map((r) => ({ name: r.name, active: r.active, retainedBytes: Math.max(0, Number(r.retained ?? 0)) }));
    else signals.unreadable.push('pg_replication_slots');
  }
  if (views.has('pg_stat_progress_vacuum')) {
    const workers = autovacuumOf(await rowsOf<AutovacuumRow>('pg_stat_progress_vacuum'));
    if (workers) signals.autovacuum = workers;
    else signals.unreadable.push('pg_stat_progress_vacuum');
  }
  return signals;
}

/** Undefined when the role sees walsenders but not their positions (a role without pg_read_all_stats sees only their pids). */
function standbysOf(rows: StandbyRow[] | undefined): StandbyLag[] | undefined {
  if (!rows || rows.some((r) => r.state === null)) return undefined;
  return rows
    .filter((r) => (r.state === 'streaming' || r.state === 'catchup') && r.replay !== null)
    .map((r) => ({
      name: r.name || '(unnamed)',
      reportedLagMs: r.lag_ms === null ? null : Math.max(0, Number(r.lag_ms)),
      behindBytes: Number(r.behind ?? 0),
      replayLsn: Number(r.replay),
    }));
}

/** Undefined when a vacuum in this database hides its table from this role. */
function autovacuumOf(rows: AutovacuumRow[] | undefined): AutovacuumWorker[] | undefined {
  if (!rows || rows.some((r) => r.relid === null)) return undefined;
  return rows.filter((r) => r.target).map((r) => ({ phase: r.phase ?? 'running', wraparound: r.wraparound === true }));
}

/** Insufficient privilege reads as "unreadable"; anything else is a real failure. */
async function query<T extends pg.QueryResultRow>(client: pg.ClientBase, text: string, values: unknown[] = []): Promise<T[] | undefined> {
  try {
    return (await client.query<T>(text, values)).rows;
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return undefined;
    throw error;
  }
}

/** Sessions waiting on a lock this session holds: called at the end of a batch, inside its transaction. */
export async function countLockWaiters(client: pg.ClientBase): Promise<number> {
  // pg_locks and pg_blocking_pids need no privilege, unlike pg_stat_activity's wait columns.
  const { rows } = await client.query<{ waiters: number }>(
    `SELECT count(DISTINCT pid)::int AS waiters FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`,
  );
  return rows[0]?.waiters ?? 0;
}
