import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';
import { runCli } from '../support/runner-cli.js';
import { withClient } from '../support/standby-pair.js';
import { tempProject } from '../support/temp-dir.js';

const PER_SERVER = 10;
const prefix = `fleetdb_${process.pid}_`;
const MIGRATION = `-- pgtandem:expand
ALTER TABLE accounts ADD COLUMN plan text;

-- pgtandem:migrate
UPDATE accounts SET plan = 'free' WHERE plan IS NULL;

-- pgtandem:abort
ALTER TABLE accounts DROP COLUMN plan;
`;

function database(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Peak connections of pgtandem's runners on a server while `work` runs (pg_stat_activity, sampled every few ms). */
async function peakConnections<T>(urls: string[], work: () => Promise<T>): Promise<{ result: T; peaks: number[] }> {
  const clients = await Promise.all(
    urls.map(async (url) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const peaks = urls.map(() => 0);
  let watching = true;
  const sampling = Promise.all(
    clients.map(async (client, i) => {
      while (watching) {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'pgtandem %'`);
        peaks[i] = Math.max(peaks[i]!, rows[0]!.n);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  try {
    return { result: await work(), peaks };
  } finally {
    watching = false;
    await sampling;
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * Database-per-tenant across two servers: 20 databases, the shared test
 * server and a second embedded one, listed by database globs and by a query
 * on a control database. An unreachable target fails alone; a target whose
 * history differs is refused and named; neither server ever sees more than
 * perServer of pgtandem's connections.
 */
describe('fleet of databases on two servers', () => {
  let second: EmbeddedServer;
  const first = (): string => inject('databaseUrl');
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ SERVER_A: database(first(), 'postgres'), SERVER_B: database(second.url, 'postgres') });

  beforeAll(async () => {
    second = await startEmbeddedPostgres();
    for (const server of [first(), second.url]) {
      await withClient(database(server, 'postgres'), async (admin) => {
        for (let i = 0; i < PER_SERVER; i += 1) await admin.query(`CREATE DATABASE ${prefix}${String(i).padStart(2, '0')}`);
      });
      for (let i = 0; i < PER_SERVER; i += 1) {
        await withClient(database(server, `${prefix}${String(i).padStart(2, '0')}`), (c) =>
          c.query(`CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL); INSERT INTO accounts SELECT g, 'a' || g || '@example.test' FROM generate_series(1, 50) g`),
        );
      }
    }
    await withClient(database(first(), `${prefix}00`), (c) =>
      c.query(`CREATE TABLE tenants (name text, database text, labels text); INSERT INTO tenants VALUES ('alpha', '${prefix}01', 'canary,eu'), ('beta', '${prefix}02', 'eu'), ('gamma', '${prefix}03', NULL)`),
    );
    dir = tempProject('pgtandem-fleet-dbs-', {
      'db/0001_accounts_plan.sql': MIGRATION,
      'pgtandem.config.json': JSON.stringify({ migrationsDir: 'db' }),
      'fleet.json': JSON.stringify({
        targets: [
          { databases: `${prefix}*`, urlEnv: 'SERVER_A', namePrefix: 'a-' },
          { databases: `${prefix}*`, urlEnv: 'SERVER_B', namePrefix: 'b-' },
          { name: 'gone', url: 'postgres://postgres:hunter2secret@127.0.0.1:9/nowhere' },
        ],
        concurrency: { total: 6, perServer: 2 },
        maxFailures: '50%',
      }),
      'tenants.json': JSON.stringify({ targets: { query: 'SELECT name, database, labels FROM tenants ORDER BY name', urlEnv: 'CONTROL' }, waves: ['label:canary', '100%'] }),
    });
  }, 180_000);

  afterAll(async () => {
    for (const server of [first()]) {
      await withClient(database(server, 'postgres'), async (admin) => {
        for (let i = 0; i < PER_SERVER; i += 1) await admin.query(`DROP DATABASE IF EXISTS ${prefix}${String(i).padStart(2, '0')} WITH (FORCE)`);
      });
    }
    await second?.stop();
  });

  it('lists targets from a query on a control database, with their labels', async () => {
    const run = await runCli(['migrate', '--fleet', 'tenants.json', '--waves', 'all', '--dry-run', '--format', 'json'], {
      cwd: dir,
      env: { CONTROL: database(first(), `${prefix}00`) },
    });
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { waves: { targets: { name: string; where: string; labels: string[] }[] }[] };
    expect(plan.waves.map((w) => w.targets.map((t) => [t.name, t.where.split('/').at(-1), t.labels.join(',')]))).toEqual([
      [['alpha', `${prefix}01`, 'canary,eu']],
      [
        ['beta', `${prefix}02`, 'eu'],
        ['gamma', `${prefix}03`, ''],
      ],
    ]);
  });

  it('an unreachable target fails alone, the wave goes on below maxFailures, at most perServer connections per server', async () => {
    const { result: run, peaks } = await peakConnections([database(first(), 'postgres'), database(second.url, 'postgres')], () =>
      runCli(['expand', '--fleet', 'fleet.json', '--format', 'json'], { cwd: dir, env: env() }),
    );
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { summary: Record<string, number>; waves: { targets: { name: string; result: string; error?: string }[] }[] };
    expect(result.summary).toEqual({ targets: 21, ok: 20, failed: 1, skipped: 0, interrupted: 0, notReached: 0 });
    const gone = result.waves[0]!.targets.find((t) => t.name === 'gone')!;
    expect(gone.error).toMatch(/cannot connect to the database/);
    expect(run.stdout + run.stderr).not.toContain('hunter2secret');
    for (const peak of peaks) expect(peak).toBeLessThanOrEqual(2);
    expect(Math.max(...peaks)).toBe(2);
    const columns = await withClient(database(second.url, `${prefix}07`), (c) => c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' ORDER BY ordinal_position`));
    expect(columns.rows.map((r) => r.column_name)).toEqual(['id', 'email', 'plan']);

    // The pretty summary names the failed target and its reason, never the URL.
    const again = await runCli(['expand', '--fleet', 'fleet.json'], { cwd: dir, env: env() });
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/1 target did not finish[\s\S]*gone \(127\.0\.0\.1:9\/nowhere\): cannot connect/);
    expect(again.stdout + again.stderr).not.toContain('hunter2secret');
  }, 180_000);

  it('a target whose applied history differs is refused and named; the others migrate', async () => {
    await withClient(database(second.url, `${prefix}04`), (c) => c.query(`UPDATE pgtandem.migrations SET phases = jsonb_set(phases, '{expand,checksum}', '"0000"')`));
    const run = await runCli(['migrate', '--fleet', 'fleet.json', '--format', 'json'], { cwd: dir, env: env() });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as { summary: Record<string, number>; waves: { targets: { name: string; result: string; error?: string }[] }[] };
    const failed = result.waves.flatMap((w) => w.targets.filter((t) => t.result === 'failed'));
    expect(failed.map((t) => t.name)).toEqual([`b-${prefix}04`, 'gone']);
    expect(failed[0]!.error).toMatch(/changed/);
    expect(result.summary).toMatchObject({ ok: 19, failed: 2 });
    const status = await runCli(['status', '--fleet', 'fleet.json'], { cwd: dir, env: env() });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/gone \(wave 1, 127\.0\.0\.1:9\/nowhere\): cannot connect/);
    expect(status.stdout).toMatch(/1 \(100%\)\s+21\s+0\s+1\s+19\s+0\s+0\s+1/);
  }, 180_000);
});
