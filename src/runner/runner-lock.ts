import type pg from 'pg';
import { RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';

// One key for every pgtandem runner on a database ('pgtl'); status does not take it.
const RUNNER_LOCK_KEY = 0x7067_746c;

/**
 * Takes the session advisory lock that lets one runner at a time work on the
 * database, polling up to `waitMs`. Throws RunnerError `RUNNER_BUSY` naming
 * the holder (pid, application_name, since when it is connected).
 */
export async function acquireRunnerLock(client: pg.ClientBase, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RUNNER_LOCK_KEY]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
  const holder = await lockHolder(client);
  const who = holder
    ? `pid ${holder.pid}, application_name "${holder.application_name}", connected since ${new Date(holder.since).toISOString()}`
    : 'a session that has just released it';
  throw new RunnerError('RUNNER_BUSY', `another pgtandem runner is working on this database (${who}); waited ${formatDuration(waitMs)} (--lock-wait)`);
}

/** Releases the lock; closing the connection would too. */
export async function releaseRunnerLock(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [RUNNER_LOCK_KEY]);
}

/** Whether a runner is at work on this database now (it holds the lock); status reads it, never takes it. */
export async function runnerActive(client: pg.ClientBase): Promise<boolean> {
  return (await lockHolder(client)) !== undefined;
}

async function lockHolder(client: pg.ClientBase): Promise<{ pid: number; application_name: string; since: Date } | undefined> {
  // A one-part bigint key is stored as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  const { rows } = await client.query<{ pid: number; application_name: string; since: Date }>(
    `SELECT a.pid, coalesce(a.application_name, '') AS application_name, a.backend_start AS since
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [RUNNER_LOCK_KEY],
  );
  return rows[0];
}
