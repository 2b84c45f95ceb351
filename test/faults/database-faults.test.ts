import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, startCli, status } from '../support/runner-cli.js';
import { until } from '../support/until.js';

// Issue 9: a connection cut in the middle of a phase, runners racing each other,
// and the roles pgtandem runs as in production (an owner that is not a superuser,
// a read-only role for lint).
const ITEMS = `-- pgtandem:expand
CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, price_cents bigint, updates int NOT NULL DEFAULT 0);
INSERT INTO items (id, price) SELECT g, g FROM generate_series(1, 20000) g;
CREATE FUNCTION items_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
CREATE TRIGGER items_count_update BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_count_update();
-- pgtandem:migrate
UPDATE items SET price_cents = price * 100 WHERE price_cents IS NULL;
-- pgtandem:contract
ALTER TABLE items ALTER COLUMN price_cents SET NOT NULL;
`;


describe('faults while a phase runs', () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    db = await createTestDatabase('faults_db');
    dir = migrationsDir({ '0001_items.sql': ITEMS });
    // A slow backfill: 40 batches with a pause, so a fault lands in the middle of it.
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ batchSize: 500, batchDelayMs: 80, batchTargetMs: 0 }));
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } })).code).toBe(0);
  });
  afterEach(async () => db?.drop());
  const batches = async (): Promise<number> =>
    (await db.client.query<{ n: number | null }>(`SELECT (backfill->'cursor'->>'batches')::int AS n FROM pgtandem.migrations`)).rows[0]?.n ?? 0;
  const everyRowOnce = async (): Promise<unknown> =>
    (await db.client.query(`SELECT count(*)::int AS rows, min(updates) AS min, max(updates) AS max, count(price_cents)::int AS filled FROM items`)).rows[0];

  it('the runner session is terminated (pg_terminate_backend): exit 1, one line, no stack; a rerun resumes', async () => {
    const victim = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    await until(async () => (await batches()) >= 3, 'three batches');
    await db.client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgtandem migrate'`);
    const cut = await victim.done;
    expect(cut.code).toBe(1);
    expect(cut.stderr.trim().split('\n')).toHaveLength(1);
    expect(cut.stderr).toMatch(/^pgtandem: .*(terminat|connection)/i);
    expect(cut.stderr).not.toContain('    at ');

    const rerun = await runCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await everyRowOnce()).toEqual({ rows: 20000, min: 1, max: 1, filled: 20000 });
  });

  it.each([
    ['a second migrate', 'migrate'],
    ['contract while migrate runs', 'contract'],
    ['abort while migrate runs', 'abort'],
  ])('%s: one wins, the other exits 1 naming the holder; nothing applied twice', async (_case, second) => {
    const first = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    await until(async () => (await batches()) >= 2, 'the backfill to start');
    const other = await runCli([second, '--dir', dir, '--lock-wait', '1s'], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/pgtandem migrate/);
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await everyRowOnce()).toEqual({ rows: 20000, min: 1, max: 1, filled: 20000 });
    expect((await status(dir, db.url)).states['0001']).toBe('migrated');
  });
});

describe('the roles pgtandem runs as', () => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const owner = `pgt_owner_${suffix}`;
  const reader = `pgt_reader_${suffix}`;
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('faults_roles');
    await db.client.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'owner-pw' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
    await db.client.query(`CREATE ROLE ${reader} LOGIN PASSWORD 'reader-pw' NOSUPERUSER`);
    const name = new URL(db.url).pathname.slice(1);
    await db.client.query(`ALTER DATABASE "${name}" OWNER TO ${owner}`);
    await db.client.query(`ALTER SCHEMA public OWNER TO ${owner}`);
  });
  afterEach(async () => {
    await db?.drop();
    const admin = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${owner}`);
    await admin.query(`DROP ROLE IF EXISTS ${reader}`);
    await admin.end();
  });
  const as = (role: string, password: string): string => {
    const url = new URL(db.url);
    url.username = role;
    url.password = password;
    return url.toString();
  };

  it('an owner that is not a superuser runs expand, migrate and contract', async () => {
    const dir = migrationsDir({ '0001_items.sql': ITEMS });
    for (const phase of ['expand', 'migrate', 'contract']) {
      const run = await runCli([phase, '--dir', dir], { cwd: dir, env: { DATABASE_URL: as(owner, 'owner-pw') } });
      expect(run.code, `${phase}: ${run.stderr}`).toBe(0);
    }
    expect((await status(dir, as(owner, 'owner-pw'))).states['0001']).toBe('contracted');
  });

  it('lint --database-url works with a role that can only read', async () => {
    await db.client.query(`CREATE TABLE orders (id bigint PRIMARY KEY, status text)`);
    const dir = migrationsDir({ '0002_orders_status.sql': '-- pgtandem:expand\nCREATE INDEX orders_status_idx ON orders (status);\n' });
    const run = await runCli(['lint', '--format', 'json', '--database-url', as(reader, 'reader-pw'), dir], { cwd: dir });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { findings: { rule: string; message: string }[] };
    expect(report.findings.find((f) => f.rule === 'require-concurrent-index-creation')?.message).toContain('Tables: orders (');
  });
});

describe('lock contention: a long transaction holds the table while the app keeps querying it', () => {
  let db: TestDatabase;
  let dir: string;
  let blocker: pg.Client;
  beforeEach(async () => {
    db = await createTestDatabase('faults_contention');
    await db.client.query(`CREATE TABLE accounts (id bigint PRIMARY KEY, balance int NOT NULL); INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 100) g;`);
    dir = migrationsDir({ '0001_accounts_note.sql': '-- pgtandem:expand\nALTER TABLE accounts ADD COLUMN note text;\n' });
    blocker = new pg.Client({ connectionString: db.url, application_name: 'report-job' });
    await blocker.connect();
    // The blocker: a reporting transaction that read the table and stays open.
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM accounts');
  });
  afterEach(async () => {
    await blocker?.end().catch(() => {});
    await db?.drop();
  });
  const noteColumns = async (): Promise<number> =>
    (await db.client.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'`)).rows[0].n;

  it('the queued ALTER never stalls the app for longer than about lockTimeout; it retries and succeeds once the blocker ends', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ lockTimeout: '300ms', lockRetryDeadline: '60s' }));
    const app = await appTraffic(db.url);
    try {
      const runner = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
      // Let the runner queue, time out and retry a few times while the blocker holds on (2 s after its first wait, several lockTimeouts).
      await until(
        async () => (await db.client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgtandem expand' AND wait_event_type = 'Lock'`)).rowCount! > 0,
        'the runner to queue behind the blocker',
      );
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await blocker.query('COMMIT');
      const done = await runner.done;
      expect(done.code, done.stderr).toBe(0);
      expect(done.stderr).toContain('lock not available');
    } finally {
      const { worst, requests } = await app.stop();
      expect(requests).toBeGreaterThan(50);
      // A bound, not a benchmark: without lock_timeout the app would have waited the blocker's full 3 s.
      expect(worst).toBeLessThan(300 + 1000);
    }
    expect(await noteColumns()).toBe(1);
  });

  it('the blocker outlives the retry deadline: the runner exits 1 naming it, the app was never stalled, nothing is half-applied, a rerun succeeds', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ lockTimeout: '300ms', lockRetryDeadline: '2500ms' }));
    const app = await appTraffic(db.url);
    let run;
    try {
      run = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    } finally {
      const { worst, requests } = await app.stop();
      expect(requests).toBeGreaterThan(50);
      expect(worst).toBeLessThan(300 + 1000);
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/report-job/);
    expect(run.stderr).not.toContain('    at ');
    expect(await noteColumns()).toBe(0);
    expect((await status(dir, db.url)).states['0001']).toBe('pending');

    await blocker.query('COMMIT');
    const rerun = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await noteColumns()).toBe(1);
    expect((await status(dir, db.url)).states['0001']).toBe('expanded');
  });
});

/** The app: a key read every 10 ms on its own connection, timing the worst wait, until stop(). */
async function appTraffic(url: string): Promise<{ stop(): Promise<{ worst: number; requests: number }> }> {
  const app = new pg.Client({ connectionString: url, application_name: 'app' });
  await app.connect();
  let serving = true;
  let worst = 0;
  let requests = 0;
  // Behind a queued ACCESS EXCLUSIVE request these reads would wait as long as the blocker lives.
  const loop = (async () => {
    while (serving) {
      const started = performance.now();
      await app.query('SELECT balance FROM accounts WHERE id = $1', [1 + (requests % 100)]);
      worst = Math.max(worst, performance.now() - started);
      requests++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      serving = false;
      await loop.catch(() => {});
      await app.end();
      // The figure issue 9 asks for; shown by vitest under the test's name.
      console.info(`app traffic: ${requests} reads, worst wait ${worst.toFixed(0)} ms`);
      return { worst, requests };
    },
  };
}
