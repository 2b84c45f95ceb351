import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';
import { migrationsDir, runCli, schemaShape, startCli, status, type CliRun } from '../support/runner-cli.js';
import { until } from '../support/until.js';

// Issue 9, database faults: the PostgreSQL server goes away in the middle of a
// phase — an administrator's shutdown (fast) or a crash (immediate: no
// checkpoint, crash recovery at the next start). The runner must exit 1 with one
// line (no stack, no password), a rerun while the server is still down must exit
// 2 the same way, and once the server is back a rerun finishes the job: the same
// schema as an uninterrupted run, every backfilled row updated exactly once, no
// INVALID index left behind. The suite owns its server (an embedded one, even when
// TEST_DATABASE_URL points elsewhere), since it stops it.
const ROWS = 50_000;
const MIGRATION = `-- pgtandem:expand
ALTER TABLE items ADD COLUMN price_cents bigint;
CREATE TRIGGER items_count_update BEFORE UPDATE OF price_cents ON items FOR EACH ROW EXECUTE FUNCTION items_count_update();
ALTER TABLE items ADD CONSTRAINT items_price_cents_present CHECK (price_cents IS NOT NULL) NOT VALID;
CREATE INDEX CONCURRENTLY items_price_idx ON items (slow_key(price)) WHERE id <= 1000;
-- pgtandem:migrate
UPDATE items SET price_cents = price * 100 WHERE price_cents IS NULL;
-- pgtandem:contract
ALTER TABLE items VALIDATE CONSTRAINT items_price_cents_present;
ALTER TABLE items ALTER COLUMN price_cents SET NOT NULL;
ALTER TABLE items DROP CONSTRAINT items_price_cents_present;
ALTER TABLE items DROP COLUMN legacy;
-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS items_price_idx;
ALTER TABLE items DROP COLUMN IF EXISTS price_cents;
`;

describe('the server stops or crashes in the middle of a phase', { timeout: 180_000 }, () => {
  let server: EmbeddedServer;
  let url: string;
  let admin: pg.Client | undefined;
  let dir: string;
  let counter = 0;

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ prefix: 'pgtandem-outage-' });
  }, 120_000);
  afterAll(async () => server?.stop());

  beforeEach(async () => {
    const name = `outage_${++counter}`;
    await sql(server.url, `CREATE DATABASE ${name}`);
    url = server.url.replace(/\/postgres$/, `/${name}`);
    await sql(url, `
      CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, legacy text, updates int NOT NULL DEFAULT 0);
      INSERT INTO items (id, price, legacy) SELECT g, g % 1000, 'l' || g FROM generate_series(1, ${ROWS}) g;
      -- Makes the index build take a second or two, so the outage surely lands inside it.
      CREATE FUNCTION slow_key(numeric) RETURNS numeric IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN $1; END $$;
      CREATE FUNCTION items_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;`);
    dir = migrationsDir({ '0001_price_cents.sql': MIGRATION });
    // A backfill of 50 batches with a pause, so the outage lands in the middle of it.
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ batchSize: 1000, batchDelayMs: 30, batchTargetMs: 0 }));
  });
  afterEach(async () => {
    await admin?.end().catch(() => {});
    admin = undefined;
  });

  const cli = (args: string[]): Promise<CliRun> => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
  /** A watcher session; it dies with the server, so each wait opens its own. */
  const watch = async <T>(query: string, test: (rows: T[]) => boolean, what: string): Promise<void> => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await until(async () => test((await admin!.query(query)).rows as T[]), what);
    await admin.end();
    admin = undefined;
  };
  /** Takes the server down while `phase` runs, once `ready` says the phase is in the middle of its work. */
  async function outage(phase: string, mode: 'fast' | 'immediate', ready: () => Promise<void>): Promise<void> {
    const victim = startCli([phase, '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
    await ready();
    await server.halt(mode);
    const cut = await victim.done;
    expect(cut.code, cut.stderr).toBe(1);
    expectOneCleanLine(cut.stderr);

    // Still down: a rerun cannot connect — a connection error, exit 2, same hygiene.
    const down = await cli([phase]);
    expect(down.code, down.stderr).toBe(2);
    expectOneCleanLine(down.stderr);

    await server.restart();
    const rerun = await cli([phase]);
    expect(rerun.code, rerun.stderr).toBe(0);
  }
  const expectOneCleanLine = (stderr: string): void => {
    // contract warns first that it cannot check for v1 sessions (no oldReleaseApplicationName here).
    const errors = stderr.trim().split('\n').filter((line) => !line.startsWith('pgtandem: warning:'));
    expect(errors, stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/^pgtandem: /);
    expect(stderr).not.toContain('    at ');
    expect(stderr).not.toContain(server.password);
  };
  const rows = async (): Promise<unknown> => {
    const { rows } = await sql(url, `SELECT count(*)::int AS rows, min(updates) AS min, max(updates) AS max, count(price_cents)::int AS filled FROM items`);
    return rows[0];
  };
  const finalShape = async (): Promise<string[]> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await schemaShape(client);
    } finally {
      await client.end();
    }
  };

  it.each(['fast', 'immediate'] as const)('expand, during CREATE INDEX CONCURRENTLY (%s): the rerun replaces the INVALID index', async (mode) => {
    await outage('expand', mode, () =>
      watch<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_progress_create_index`, (r) => r[0]!.n > 0, 'the index build to start'),
    );
    expect((await finalShape()).filter((line) => line.startsWith('index items_price_idx'))).toEqual(['index items_price_idx on items']);
    expect((await status(dir, url)).states['0001']).toBe('expanded');
  });

  it.each(['fast', 'immediate'] as const)('migrate, in the middle of the batched backfill (%s): no batch redone or skipped', async (mode) => {
    expect((await cli(['expand'])).code).toBe(0);
    await outage('migrate', mode, () =>
      watch<{ n: number | null }>(`SELECT (backfill->'cursor'->>'batches')::int AS n FROM pgtandem.migrations`, (r) => (r[0]?.n ?? 0) >= 5, 'five batches'),
    );
    expect(await rows()).toEqual({ rows: ROWS, min: 1, max: 1, filled: ROWS });
    expect((await status(dir, url)).states['0001']).toBe('migrated');
  });

  it('contract, waiting for its lock after VALIDATE CONSTRAINT (immediate): the rerun finishes the contract', async () => {
    expect((await cli(['expand'])).code).toBe(0);
    expect((await cli(['migrate'])).code).toBe(0);
    // VALIDATE on 100k rows is quick; a reader's open transaction parks contract's SET NOT NULL (ACCESS EXCLUSIVE) in the same transaction, after the VALIDATE, long enough to stop the server there.
    const holder = new pg.Client({ connectionString: url });
    holder.on('error', () => {}); // it dies with the server
    await holder.connect();
    await holder.query(`BEGIN; SELECT count(*) FROM items`);
    try {
      await outage('contract', 'immediate', () =>
        watch<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pgtandem contract' AND wait_event_type = 'Lock'`,
          (r) => r[0]!.n > 0,
          'contract to wait on its lock',
        ),
      );
    } finally {
      await holder.end().catch(() => {});
    }
    const shape = await finalShape();
    expect(shape).toContain('column items.price_cents bigint not null');
    expect(shape.filter((line) => line.includes('legacy') || line.includes('items_price_cents_present'))).toEqual([]);
    expect((await status(dir, url)).states['0001']).toBe('contracted');
    expect(await rows()).toEqual({ rows: ROWS, min: 1, max: 1, filled: ROWS });
  });
});

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
