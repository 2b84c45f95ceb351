import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir, runCli, startCli } from '../support/runner-cli.js';
import { startStandbyPair, withClient, type StandbyPair } from '../support/standby-pair.js';
import { until } from '../support/until.js';

// The health throttle against a real streaming standby: replay paused on the standby
// makes it lag, and the backfill must wait for it — and never update a row twice.

const ROWS = 8_000;
const MIGRATION = `-- pgtandem:expand
ALTER TABLE items ADD COLUMN w int;
-- pgtandem:migrate
UPDATE items SET w = v * 2, touched = touched + 1;
-- pgtandem:abort
ALTER TABLE items DROP COLUMN w;
`;

const long = process.env.PGTANDEM_STANDBY_LONG ? it : it.skip;

let pair: StandbyPair;

beforeAll(async () => {
  pair = await startStandbyPair();
}, 120_000);

afterAll(async () => {
  await pair?.stop();
});

/** A fresh table and migrations folder; expand already run. */
async function setUp(table: string, throttle: Record<string, unknown>): Promise<{ dir: string; url: string }> {
  const database = table;
  await withClient(pair.primary.url, (c) => c.query(`CREATE DATABASE ${database}`));
  const url = pair.primary.url.replace(/\/postgres$/, `/${database}`);
  await withClient(url, async (c) => {
    // No autovacuum: its pauses would make the timing of these cases depend on the machine.
    await c.query(`CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL, touched int NOT NULL DEFAULT 0) WITH (autovacuum_enabled = false)`);
    await c.query(`INSERT INTO items (id, v) SELECT g, g FROM generate_series(1, ${ROWS}) g`);
  });
  const dir = migrationsDir({ '0001_items_w.sql': MIGRATION });
  // Small batches with a pause between them: the backfill lasts a few seconds, long enough to lag.
  writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ batchSize: 200, batchDelayMs: 40, batchTargetMs: 0, throttle: { checkInterval: '100ms', ...throttle } }));
  const expand = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
  expect(expand.code, expand.stderr).toBe(0);
  await caughtUp();
  return { dir, url };
}

async function caughtUp(): Promise<void> {
  await until(
    () =>
      withClient(pair.primary.url, async (c) => {
        const { rows } = await c.query<{ behind: number }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS behind FROM pg_stat_replication WHERE application_name = $1`, [pair.standbyName]);
        return rows.length === 1 && Number(rows[0]!.behind) === 0;
      }),
    'the standby to catch up',
  );
}

const replay = (what: 'pause' | 'resume') => withClient(pair.standby.url, (c) => c.query(`SELECT pg_wal_replay_${what}()`));

async function cursorOf(url: string): Promise<{ rowsDone: number; paused?: { reasons: string[] } } | undefined> {
  return withClient(url, async (c) => (await c.query<{ cursor: { rowsDone: number; paused?: { reasons: string[] } } | null }>(`SELECT backfill->'cursor' AS cursor FROM pgtandem.migrations`)).rows[0]?.cursor ?? undefined);
}

async function touchedOnce(url: string): Promise<{ once: number; other: number; filled: number }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ once: number; other: number; filled: number }>(
      `SELECT count(*) FILTER (WHERE touched = 1)::int AS once, count(*) FILTER (WHERE touched <> 1)::int AS other, count(w)::int AS filled FROM items`,
    );
    return rows[0]!;
  });
}

describe('backfill throttled by a streaming standby', () => {
  it('pauses while the standby does not replay, says why (stderr and status), resumes when it replays, and updates every row once', async () => {
    const { dir, url } = await setUp('lagging', { maxReplayLag: '300ms' });
    await replay('pause');
    const migrate = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
    try {
      await until(async () => (await cursorOf(url))?.paused !== undefined, 'the backfill to pause');
      const paused = (await cursorOf(url))!;
      expect(paused.paused!.reasons.join()).toMatch(/^standby "replica1" replay lag \d.* > 300ms \(.* behind\)$/);
      expect(paused.rowsDone).toBeLessThan(ROWS);
      const status = await runCli(['status', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
      expect(status.stdout).toMatch(/backfill paused since .*: standby "replica1" replay lag/);
      // Paused means no batch runs: the cursor stands still while replay is stopped.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await cursorOf(url))!.rowsDone).toBe(paused.rowsDone);
    } finally {
      await replay('resume');
    }
    const run = await migrate.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/backfill paused .*standby "replica1" replay lag/);
    expect(run.stderr).toMatch(/backfill resumed after/);
    expect(await touchedOnce(url)).toEqual({ once: ROWS, other: 0, filled: ROWS });
    await caughtUp();
    expect(await touchedOnce(pair.standby.url.replace(/\/postgres$/, '/lagging'))).toEqual({ once: ROWS, other: 0, filled: ROWS });
  });

  it('--max-pause: past it, exit 1 with the cursor saved; a kill -9 during a pause loses nothing; a rerun finishes, every row once', async () => {
    const { dir, url } = await setUp('bounded', { maxReplayLag: '300ms' });
    await replay('pause');
    try {
      const bounded = await runCli(['migrate', '--dir', dir, '--max-pause', '1s'], { cwd: dir, env: { DATABASE_URL: url } });
      expect(bounded.code, bounded.stderr).toBe(1);
      expect(bounded.stderr).toMatch(/paused [\d.]+s in all, past the longest pause allowed \(--max-pause \/ throttle.maxPause 1s\): standby "replica1" replay lag .*rerun migrate to resume/);
      // The standby may still report the lag of the case before: it can stop before its first batch.
      const saved = (await cursorOf(url))!;
      expect(saved.rowsDone).toBeLessThan(ROWS);

      // Killed while it waits: no batch is open, so nothing is half-done.
      const victim = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
      await until(async () => (await cursorOf(url))?.paused !== undefined && (await cursorOf(url))!.rowsDone >= saved.rowsDone, 'the rerun to pause');
      await new Promise((resolve) => setTimeout(resolve, 300));
      victim.child.kill('SIGKILL');
      await victim.done;
    } finally {
      await replay('resume');
    }
    const rerun = await runCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await touchedOnce(url)).toEqual({ once: ROWS, other: 0, filled: ROWS });
  });

  // Long variants (npm run test:standby:long): the same throttle, other signals.
  long('a replication slot holding WAL back pauses it until the slot is dropped', async () => {
    const { dir, url } = await setUp('slotted', { maxSlotWal: '64kB', maxReplayLag: '1h' });
    await withClient(url, (c) => c.query(`SELECT pg_create_physical_replication_slot('held_back', true)`));
    const migrate = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
    try {
      await until(async () => (await cursorOf(url))?.paused !== undefined, 'the backfill to pause');
      expect((await cursorOf(url))!.paused!.reasons.join()).toMatch(/^replication slot "held_back" \(inactive\) retains .* of WAL > 64 kB$/);
    } finally {
      await withClient(url, (c) => c.query(`SELECT pg_drop_replication_slot('held_back')`));
    }
    const run = await migrate.done;
    expect(run.code, run.stderr).toBe(0);
    expect(await touchedOnce(url)).toEqual({ once: ROWS, other: 0, filled: ROWS });
  });

  long('a role without pg_monitor gets one warning naming the view, and throttling on the rest', async () => {
    const { dir, url } = await setUp('unprivileged', { maxReplayLag: '300ms' });
    await withClient(url, async (c) => {
      await c.query(`CREATE ROLE app LOGIN`);
      await c.query(`GRANT CREATE ON DATABASE unprivileged TO app`);
      await c.query(`ALTER TABLE items OWNER TO app`);
      await c.query(`GRANT ALL ON SCHEMA pgtandem TO app`);
      await c.query(`GRANT ALL ON ALL TABLES IN SCHEMA pgtandem TO app`);
      await c.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA pgtandem TO app`);
    });
    await replay('pause');
    let run;
    try {
      run = await runCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url.replace('postgres@', 'app@') } });
    } finally {
      await replay('resume');
    }
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning: cannot read'));
    expect(warnings).toEqual([
      'pgtandem: warning: cannot read pg_stat_replication (grant pg_monitor to the migrating role): standby replay lag is not watched; throttling on the rest',
    ]);
    expect(await touchedOnce(url)).toEqual({ once: ROWS, other: 0, filled: ROWS });
  });

  // Last: it takes the standby away.
  it('a standby that disappears mid-backfill is not an error: the backfill goes on without it', async () => {
    const { dir, url } = await setUp('vanishing', { maxReplayLag: '300ms' });
    await replay('pause');
    const migrate = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
    await until(async () => (await cursorOf(url))?.paused !== undefined, 'the backfill to pause');
    await pair.standby.stop('immediate');
    const run = await migrate.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/backfill resumed after/);
    expect(await touchedOnce(url)).toEqual({ once: ROWS, other: 0, filled: ROWS });
  });
});
