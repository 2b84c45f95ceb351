import type pg from 'pg';
import { RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import type { TenantScope } from './state.js';

// One key for every pgtandem runner on a database ('pgtl'); status does not take it.
const RUNNER_LOCK_KEY = 0x7067_746c;

/**
 * The advisory lock of a runner: the database's one-part key, or for a tenant
 * schema the two-part key (pgtl, hashtext(schema)), so that runners on the
 * tenants of one database work side by side and two on the same tenant do not.
 * pg_locks shows a one-part bigint key as classid = high 32 bits, objid = low
 * 32 bits, objsubid = 1; a two-part key as classid, objid, objsubid = 2.
 */
function lockKey(tenant: TenantScope | undefined): { args: string; params: unknown[]; where: string } {
  return tenant
    ? { args: '$1::int4, hashtext($2::text)', params: [RUNNER_LOCK_KEY, tenant.schema], where: 'l.classid = $1 AND l.objid = hashtext($2::text)::oid AND l.objsubid = 2' }
    : { args: '$1::int8', params: [RUNNER_LOCK_KEY], where: 'l.classid = 0 AND l.objid = $1 AND l.objsubid = 1' };
}

/**
 * Takes the session advisory lock that lets one runner at a time work on the
 * database (or the tenant schema), polling up to `waitMs`. Throws RunnerError
 * `RUNNER_BUSY` naming the holder (pid, application_name, since when it is connected).
 */
export async function acquireRunnerLock(client: pg.ClientBase, waitMs: number, tenant?: TenantScope): Promise<void> {
  const key = lockKey(tenant);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${key.args}) AS locked`, key.params);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
  }
  const holder = await lockHolder(client, tenant);
  const who = holder
    ? `pid ${holder.pid}, application_name "${holder.application_name}", connected since ${new Date(holder.since).toISOString()}`
    : 'a session that has just released it';
  const where = tenant ? `tenant schema ${tenant.schema}` : 'this database';
  throw new RunnerError('RUNNER_BUSY', `another pgtandem runner is working on ${where} (${who}); waited ${formatDuration(waitMs)} (--lock-wait)`);
}

/** Releases the lock; closing the connection would too. */
export async function releaseRunnerLock(client: pg.ClientBase, tenant?: TenantScope): Promise<void> {
  const key = lockKey(tenant);
  await client.query(`SELECT pg_advisory_unlock(${key.args})`, key.params);
}

/** Whether a runner is at work on this database (or tenant schema) now (it holds the lock); status reads it, never takes it. */
export async function runnerActive(client: pg.ClientBase, tenant?: TenantScope): Promise<boolean> {
  return (await lockHolder(client, tenant)) !== undefined;
}

async function lockHolder(client: pg.ClientBase, tenant: TenantScope | undefined): Promise<{ pid: number; application_name: string; since: Date } | undefined> {
  const key = lockKey(tenant);
  const { rows } = await client.query<{ pid: number; application_name: string; since: Date }>(
    `SELECT a.pid, coalesce(a.application_name, '') AS application_name, a.backend_start AS since
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND ${key.where}
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    key.params,
  );
  return rows[0];
}
