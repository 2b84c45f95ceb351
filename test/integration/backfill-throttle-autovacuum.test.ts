import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';
import { migrationsDir, runCli } from '../support/runner-cli.js';
import { until } from '../support/until.js';

// The autovacuum throttle against real autovacuum workers, on a server of its own
// (autovacuum looks at each database every second): an ordinary autovacuum on one
// table, an anti-wraparound one on another, both slowed to a crawl so they are still
// at work while the backfills run.

const ROWS = 60_000;
const migration = (table: string) => `-- pgtandem:expand
ALTER TABLE ${table} ADD COLUMN w int;
-- pgtandem:migrate
UPDATE ${table} SET w = v * 2;
-- pgtandem:abort
ALTER TABLE ${table} DROP COLUMN w;
`;
// 100 ms asleep after every page: a vacuum of these tables lasts minutes.
const CRAWL = 'autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1';

let server: EmbeddedServer;
/** One database per table: autovacuum works one database with one worker at a time here. */
const databases: Record<string, { url: string; client: pg.Client }> = {};

beforeAll(async () => {
  server = await startEmbeddedPostgres({ prefix: 'pgtandem-autovacuum-', postgresFlags: ['-c', 'autovacuum_naptime=1'] });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    for (const table of ['ordinary', 'aging']) {
      await admin.query(`CREATE DATABASE ${table}`);
      const url = new URL(server.url);
      url.pathname = `/${table}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      databases[table] = { url: url.toString(), client };
    }
  } finally {
    await admin.end();
  }
}, 120_000);

afterAll(async () => {
  for (const { client } of Object.values(databases)) await client.end();
  await server?.stop();
});

/** The autovacuum workers at work on `table` (in its database): whether each is an anti-wraparound one. */
async function autovacuums(table: string): Promise<boolean[]> {
  const { rows } = await databases[table]!.client.query<{ wraparound: boolean }>(
    `SELECT a.query LIKE '%(to prevent wraparound)%' AS wraparound
       FROM pg_stat_progress_vacuum p JOIN pg_stat_activity a ON a.pid = p.pid
      WHERE p.datid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND p.relid = $1::regclass`,
    [table],
  );
  return rows.map((r) => r.wraparound);
}

describe('backfill throttled by autovacuum', () => {
  it('by default pauses only for an anti-wraparound autovacuum; with autovacuum "pause", for any', async () => {
    const dirs: Record<string, string> = {};
    const config = (table: string, throttle: Record<string, unknown>) =>
      writeFileSync(join(dirs[table]!, 'pgtandem.config.json'), JSON.stringify({ throttle: { checkInterval: '100ms', ...throttle } }));
    const migrate = (table: string) => runCli(['migrate', '--dir', dirs[table]!, '--max-pause', '1s'], { cwd: dirs[table]!, env: { DATABASE_URL: databases[table]!.url } });
    for (const table of ['ordinary', 'aging']) {
      const { client, url } = databases[table]!;
      // No autovacuum until the case asks for one (an anti-wraparound one comes all the same). ANALYZE, no VACUUM:
      // a vacuum skips the pages one left all-visible or frozen, and these vacuums must crawl through every page.
      await client.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, v int NOT NULL) WITH (autovacuum_enabled = false)`);
      await client.query(`INSERT INTO ${table} SELECT g, g FROM generate_series(1, ${ROWS}) g`);
      await client.query(`ANALYZE ${table}`);
      dirs[table] = migrationsDir({ [`0001_${table}_w.sql`]: migration(table) });
      config(table, {});
      // Before the vacuums: expand's ALTER TABLE would wait for an anti-wraparound one to finish.
      const expand = await runCli(['expand', '--dir', dirs[table]!], { cwd: dirs[table]!, env: { DATABASE_URL: url } });
      expect(expand.code, expand.stderr).toBe(0);
    }

    // An ordinary autovacuum of `ordinary`: any dead row is enough.
    const { client } = databases.ordinary!;
    await client.query(`ALTER TABLE ordinary SET (autovacuum_enabled = true, autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_insert_threshold = -1, ${CRAWL})`);
    await client.query(`UPDATE ordinary SET v = v WHERE id <= 100`);
    // An anti-wraparound one of `aging`: its XID age past its autovacuum_freeze_max_age (100,000 at the least).
    await databases.aging!.client.query(`ALTER TABLE aging SET (autovacuum_freeze_max_age = 100000, ${CRAWL})`);
    await client.query(`SET synchronous_commit = off`);
    await client.query(`DO $$ BEGIN FOR i IN 1..101000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    await client.query(`RESET synchronous_commit`);
    await until(async () => (await autovacuums('ordinary')).join() === 'false' && (await autovacuums('aging')).join() === 'true', 'an ordinary autovacuum of ordinary and an anti-wraparound one of aging');

    // Told to pause for any autovacuum: the backfill waits for the ordinary one.
    config('ordinary', { autovacuum: 'pause' });
    const strict = await migrate('ordinary');
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stderr).toMatch(/past the longest pause allowed .*: autovacuum is working ordinary \(/);

    // The default: the backfill runs beside an ordinary autovacuum, and waits for an anti-wraparound one.
    config('ordinary', {});
    const beside = await migrate('ordinary');
    expect(beside.code, beside.stderr).toBe(0);
    expect(beside.stderr).not.toContain('paused');
    expect((await client.query(`SELECT count(*)::int AS n FROM ordinary WHERE w = v * 2`)).rows[0].n).toBe(ROWS);
    const waits = await migrate('aging');
    expect(waits.code, waits.stderr).toBe(1);
    expect(waits.stderr).toMatch(/past the longest pause allowed .*: anti-wraparound autovacuum is working aging \(/);
    expect((await databases.aging!.client.query(`SELECT count(w)::int AS n FROM aging`)).rows[0].n).toBe(0);
    // Both were at work the whole time.
    expect(await autovacuums('ordinary')).toEqual([false]);
    expect(await autovacuums('aging')).toEqual([true]);
  }, 180_000);
});
