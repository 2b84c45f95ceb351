import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape, startCli, status } from '../support/runner-cli.js';
import { until } from '../support/until.js';

// Four actions; the third sleeps so a test can kill the runner in the middle of the phase.
const ORDERS = `-- pgtandem:expand
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, total numeric NOT NULL);
INSERT INTO orders (customer_id, total) SELECT g % 10, g FROM generate_series(1, 200) g;
CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);
ALTER TABLE orders ADD COLUMN note text;
SELECT pg_sleep(3);
CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);
-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS orders_total_idx;
DROP TABLE IF EXISTS orders;
`;

// Contract: validate, drop an index concurrently (fails if repeated: no IF EXISTS), then a slow drop.
const TAGS = `-- pgtandem:expand
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL, legacy text);
INSERT INTO tags (name, legacy) SELECT 't' || g, 'l' FROM generate_series(1, 100) g;
CREATE INDEX CONCURRENTLY tags_legacy_idx ON tags (legacy);
ALTER TABLE tags ADD CONSTRAINT tags_name_not_empty CHECK (name <> '') NOT VALID;
-- pgtandem:contract
ALTER TABLE tags VALIDATE CONSTRAINT tags_name_not_empty;
DROP INDEX CONCURRENTLY tags_legacy_idx;
SELECT pg_sleep(3);
ALTER TABLE tags DROP COLUMN legacy;
`;


describe('crash safety', () => {
  let crashed: TestDatabase;
  let clean: TestDatabase;
  beforeAll(async () => {
    crashed = await createTestDatabase('runner_crash');
    clean = await createTestDatabase('runner_clean');
  });
  afterAll(async () => {
    await crashed?.drop();
    await clean?.drop();
  });

  it('kill -9 during expand, then rerun: the same schema and data as an uninterrupted run, nothing repeated', async () => {
    const dir = migrationsDir({ '0001_orders.sql': ORDERS });
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: clean.url } })).code).toBe(0);

    const victim = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    await until(async () => {
      const { rows } = await crashed.client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgtandem expand' AND query LIKE '%pg_sleep%' AND state = 'active'`);
      return rows.length > 0;
    }, 'the runner to reach the slow action');
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');

    const interrupted = await status(dir, crashed.url);
    expect(interrupted.states).toEqual({ '0001': 'pending' });
    expect(interrupted.migrations[0]!.inProgress).toEqual({ phase: 'expand', actionsDone: 2 });

    // The killed backend keeps the runner lock until its sleep ends and it notices the client is gone.
    const rerun = await runCli(['expand', '--dir', dir, '--lock-wait', '60s'], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('0001_orders.sql (4 actions, resuming after 2 finished)');
    expect((await status(dir, crashed.url)).states).toEqual({ '0001': 'expanded' });
    expect(await schemaShape(crashed.client)).toEqual(await schemaShape(clean.client));
    const count = async (db: TestDatabase) => (await db.client.query(`SELECT count(*)::int AS n, sum(total)::int AS total FROM orders`)).rows[0];
    expect(await count(crashed)).toEqual(await count(clean));
    const events = await crashed.client.query(`SELECT result FROM pgtandem.events ORDER BY id`);
    expect(events.rows.map((r) => r.result)).toEqual(['interrupted', 'succeeded']);
  });

  it('an INVALID index left by a failed CREATE INDEX CONCURRENTLY is dropped and rebuilt on rerun', async () => {
    await crashed.client.query(`CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL)`);
    await crashed.client.query(`INSERT INTO accounts (email) VALUES ('a@x'), ('b@x'), ('a@x')`);
    const dir = migrationsDir({
      '0001_orders.sql': ORDERS,
      '0002_accounts_email_key.sql': '-- pgtandem:expand\nCREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n',
    });
    const failed = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('0002_accounts_email_key.sql:2 expand#1 failed: could not create unique index "accounts_email_key" (SQLSTATE 23505)');
    expect(await schemaShape(crashed.client)).toContain('index accounts_email_key on accounts INVALID');
    const before = await crashed.client.query(`SELECT 'accounts_email_key'::regclass::oid AS oid`);

    await crashed.client.query(`DELETE FROM accounts WHERE id = 3`);
    const rerun = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    expect(rerun.code).toBe(0);
    expect(await schemaShape(crashed.client)).toContain('index accounts_email_key on accounts');
    expect(await schemaShape(crashed.client)).not.toContain('index accounts_email_key on accounts INVALID');
    const after = await crashed.client.query(`SELECT 'accounts_email_key'::regclass::oid AS oid`);
    expect(after.rows[0].oid).not.toBe(before.rows[0].oid);
  });

  it('a valid index already present counts as done', async () => {
    await crashed.client.query(`CREATE INDEX accounts_id_email_idx ON accounts (id, email)`);
    const dir = migrationsDir({
      '0001_orders.sql': ORDERS,
      '0002_accounts_email_key.sql': '-- pgtandem:expand\nCREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n',
      '0003_accounts_id_email.sql': '-- pgtandem:expand\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON accounts (id, email);\n',
    });
    const result = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('expand#1 line 2 (skipped: already applied)');
  });

  it('kill -9 during contract, then rerun: the same final schema as an uninterrupted run', async () => {
    const dir = migrationsDir({ '0001_orders.sql': ORDERS, '0004_tags.sql': TAGS });
    const cli = (db: TestDatabase, ...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    for (const db of [clean, crashed]) {
      expect((await cli(db, 'expand')).code).toBe(0);
      expect((await cli(db, 'migrate')).code).toBe(0);
    }
    expect((await cli(clean, 'contract')).code).toBe(0);

    const victim = startCli(['contract', '--dir', dir], { cwd: dir, env: { DATABASE_URL: crashed.url } });
    await until(async () => {
      const { rows } = await crashed.client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgtandem contract' AND query LIKE '%pg_sleep%' AND state = 'active'`);
      return rows.length > 0;
    }, 'contract to reach the slow action');
    victim.child.kill('SIGKILL');
    await victim.done;
    expect((await status(dir, crashed.url)).migrations.find((m) => m.version === '0004')!.inProgress).toEqual({ phase: 'contract', actionsDone: 2 });

    // Half a contract cannot be undone: abort refuses and says how to finish.
    const abort = await cli(crashed, 'abort', '--lock-wait', '60s');
    expect(abort.code).toBe(1);
    expect(abort.stderr).toContain('cannot abort: the contract phase of 0004_tags.sql has started');

    const rerun = await cli(crashed, 'contract', '--lock-wait', '60s', '--old-release', 'shop@v1%');
    // Only warnings: this server has no pg_stat_statements, and the usage gate says so before the DROP COLUMN.
    expect(rerun.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('pgtandem: warning:'))).toEqual([]);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('0004_tags.sql (3 actions, resuming after 2 finished)');
    const tagsShape = async (db: TestDatabase) => (await schemaShape(db.client)).filter((line) => line.includes('tags'));
    expect(await tagsShape(crashed)).toEqual(await tagsShape(clean));
    expect(await tagsShape(crashed)).not.toContain('column tags.legacy text');

    expect((await status(dir, crashed.url)).states['0004']).toBe('contracted');
  });

  it('SIGTERM stops after the current action with a clean checkpoint; a rerun finishes', async () => {
    const db = await createTestDatabase('runner_sigterm');
    try {
      const dir = migrationsDir({ '0001_orders.sql': ORDERS });
      const expand = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
      await until(async () => {
        const { rows } = await db.client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgtandem expand' AND query LIKE '%pg_sleep%' AND state = 'active'`);
        return rows.length > 0;
      }, 'the runner to reach the slow action');
      expand.child.kill('SIGTERM');
      const stopped = await expand.done;
      expect(stopped.code).toBe(1);
      expect(stopped.stderr).toContain('SIGTERM: stopping after the current step');
      expect(stopped.stderr).toContain('0001_orders.sql:7 expand#4: expand stopped on request before this action; 3 of 4 actions done — rerun pgtandem expand to resume');
      const after = (await status(dir, db.url)).migrations[0]!;
      expect(after.inProgress).toEqual({ phase: 'expand', actionsDone: 3 });
      // Recorded as an interruption in words, not as a failure.
      expect(after.lastRun).toMatchObject({ phase: 'expand', result: 'interrupted', rerunCanHelp: true, advice: 'rerun pgtandem expand to resume' });

      const rerun = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toContain('(4 actions, resuming after 3 finished)');
      expect(await schemaShape(db.client)).toContain('index orders_total_idx on orders');
    } finally {
      await db.drop();
    }
  });

  it('kill -9 during a batched backfill, then rerun: every row changed exactly once, no batch redone or skipped', async () => {
    const db = await createTestDatabase('runner_backfill_kill');
    try {
      // Every update of a row bumps its counter: a redone batch would leave a 2, a skipped one a 0.
      const ITEMS = `-- pgtandem:expand
CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, price_cents bigint, updates int NOT NULL DEFAULT 0);
INSERT INTO items (id, price) SELECT g * 3, g FROM generate_series(1, 30000) g;
CREATE FUNCTION items_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
CREATE TRIGGER items_count_update BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_count_update();
-- pgtandem:migrate
UPDATE items SET price_cents = price * 100 WHERE price_cents IS NULL;
`;
      const dir = migrationsDir({ '0001_items.sql': ITEMS, 'pgtandem.config.json': JSON.stringify({ batchSize: 500, batchDelayMs: 40, batchTargetMs: 0, throttle: false }) });
      // throttle false: a pause (sessions queued on a batch, an anti-wraparound autovacuum) would say so on stderr, which must stay empty.
      const env = { DATABASE_URL: db.url };
      expect((await runCli(['expand', '--dir', dir], { cwd: dir, env })).code).toBe(0);

      const victim = startCli(['migrate', '--dir', dir], { cwd: dir, env });
      await until(async () => {
        const { rows } = await db.client.query(`SELECT (backfill->'cursor'->>'batches')::int AS batches FROM pgtandem.migrations WHERE version = '0001'`);
        return (rows[0]?.batches ?? 0) >= 5;
      }, 'the backfill to commit five batches');
      victim.child.kill('SIGKILL');
      await victim.done;
      const { rows: half } = await db.client.query(`SELECT count(*)::int AS done FROM items WHERE price_cents IS NOT NULL`);
      expect(half[0].done).toBeGreaterThan(0);
      expect(half[0].done).toBeLessThan(30000);

      const rerun = await runCli(['migrate', '--dir', dir], { cwd: dir, env });
      expect(rerun.stderr, rerun.stderr).toBe('');
      expect(rerun.code).toBe(0);
      const { rows } = await db.client.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE price_cents = price * 100)::int AS filled, min(updates) AS min, max(updates) AS max FROM items`,
      );
      expect(rows[0]).toEqual({ total: 30000, filled: 30000, min: 1, max: 1 });
      expect((await status(dir, db.url)).states['0001']).toBe('migrated');
    } finally {
      await db.drop();
    }
  });
});
