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
  /** Autovacuum workers on the backfilled table: their phase (`scanning heap`, …). */
  autovacuum: string[];
  unreadable: HealthView[];
}

/** Where this server's WAL stands (a standby running the backfill is refused by PostgreSQL anyway). */
const CURRENT_LSN = 'CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END';

export type HealthView = 'pg_stat_replication' | 'pg_replication_slots' | 'pg_stat_progress_vacuum';

/**
 * Reads replay lag, slot retention and autovacuum on `table`. Each view is
 * read on its own: a role that may not read one (no `pg_monitor`) gets it
 * named in `unreadable`, and the others still count.
 */
export async function readHealthSignals(client: pg.ClientBase, table: string, views: ReadonlySet<HealthView>): Promise<HealthSignals> {
  const signals: HealthSignals = { currentLsn: 0, standbys: [], slots: [], autovacuum: [], unreadable: [] };
  signals.currentLsn = Number((await client.query<{ lsn: number }>(`SELECT pg_wal_lsn_diff(${CURRENT_LSN}, '0/0')::float8 AS lsn`)).rows[0]?.lsn ?? 0);
  if (views.has('pg_stat_replication')) {
    const standbys = await readStandbys(client);
    if (standbys) signals.standbys = standbys;
    else signals.unreadable.push('pg_stat_replication');
  }
  if (views.has('pg_replication_slots')) {
    const slots = await readSlots(client);
    if (slots) signals.slots = slots;
    else signals.unreadable.push('pg_replication_slots');
  }
  if (views.has('pg_stat_progress_vacuum')) {
    const phases = await readAutovacuum(client, table);
    if (phases) signals.autovacuum = phases;
    else signals.unreadable.push('pg_stat_progress_vacuum');
  }
  return signals;
}

/** Undefined when the role sees walsenders but not their positions (a role without pg_read_all_stats sees only their pids). */
async function readStandbys(client: pg.ClientBase): Promise<StandbyLag[] | undefined> {
  const rows = await query<{ name: string | null; state: string | null; lag_ms: number | null; behind: number | null; replay: number | null }>(
    client,
    // The primary learns replay positions when the standby reports (wal_receiver_status_interval).
    `SELECT application_name AS name, state,
            (extract(epoch FROM replay_lag) * 1000)::float8 AS lag_ms,
            greatest(pg_wal_lsn_diff(${CURRENT_LSN}, replay_lsn), 0)::float8 AS behind,
            pg_wal_lsn_diff(replay_lsn, '0/0')::float8 AS replay
       FROM pg_stat_replication`,
  );
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

async function readSlots(client: pg.ClientBase): Promise<SlotRetention[] | undefined> {
  const rows = await query<{ name: string; active: boolean; retained: number | null }>(
    client,
    // A lost slot no longer holds WAL back.
    `SELECT slot_name::text AS name, active, pg_wal_lsn_diff(${CURRENT_LSN}, restart_lsn)::float8 AS retained
       FROM pg_replication_slots WHERE restart_lsn IS NOT NULL AND wal_status IS DISTINCT FROM 'lost'`,
  );
  return rows?.map((r) => ({ name: r.name, active: r.active, retainedBytes: Math.max(0, Number(r.retained ?? 0)) }));
}

/** Undefined when a vacuum in this database hides its table from this role. */
async function readAutovacuum(client: pg.ClientBase, table: string): Promise<string[] | undefined> {
  const rows = await query<{ relid: string | null; phase: string | null; target: boolean | null }>(
    client,
    `SELECT p.relid::text AS relid, p.phase, p.relid = to_regclass($1) AS target
       FROM pg_stat_progress_vacuum p LEFT JOIN pg_stat_activity a ON a.pid = p.pid
      WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (a.backend_type IS NULL OR a.backend_type = 'autovacuum worker')`,
    [table],
  );
  if (!rows || rows.some((r) => r.relid === null)) return undefined;
  return rows.filter((r) => r.target).map((r) => r.phase ?? 'running');
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
