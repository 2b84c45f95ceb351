import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape, startCli } from '../support/runner-cli.js';
import { random } from './mutate.js';

// Issue 9, crash anywhere: the runner is SIGKILLed at a seeded moment of expand,
// migrate or contract of a multi-migration set with a batched backfill; a rerun
// must finish with the schema and data of an uninterrupted run, and every row
// must have been updated by the backfill exactly once (a per-row counter
// trigger: a redone batch leaves a 2, a skipped one a 0). 6 kill points in
// `npm test`, 32 with PGTANDEM_FAULTS_LONG=1; PGTANDEM_FAULTS_SEED picks others.
const LONG = process.env.PGTANDEM_FAULTS_LONG === '1';
const SEED = Number(process.env.PGTANDEM_FAULTS_SEED ?? 20261126);
const KILLS = LONG ? 32 : 6;
const ROWS = 100_000;

const MIGRATIONS = {
  '0001_items.sql': `-- pgtandem:expand
CREATE TABLE items (id bigint PRIMARY KEY, price numeric NOT NULL, legacy text, updates int NOT NULL DEFAULT 0);
INSERT INTO items (id, price, legacy) SELECT g * 2, g % 1000, 'l' || g FROM generate_series(1, ${ROWS}) g;
CREATE FUNCTION items_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updates := OLD.updates + 1; RETURN NEW; END $$;
`,
  '0002_price_cents.sql': `-- pgtandem:expand
ALTER TABLE items ADD COLUMN price_cents bigint;
CREATE TRIGGER items_count_update BEFORE UPDATE OF price_cents ON items FOR EACH ROW EXECUTE FUNCTION items_count_update();
ALTER TABLE items ADD CONSTRAINT items_price_cents_not_null CHECK (price_cents IS NOT NULL) NOT VALID;
CREATE INDEX CONCURRENTLY items_price_cents_idx ON items (price_cents);
-- pgtandem:migrate
UPDATE items SET price_cents = price * 100 WHERE price_cents IS NULL;
-- pgtandem:contract
ALTER TABLE items VALIDATE CONSTRAINT items_price_cents_not_null;
ALTER TABLE items ALTER COLUMN price_cents SET NOT NULL;
ALTER TABLE items DROP CONSTRAINT items_price_cents_not_null;
DROP TRIGGER items_count_update ON items;
ALTER TABLE items DROP COLUMN legacy;
-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS items_price_cents_idx;
ALTER TABLE items DROP COLUMN IF EXISTS price_cents;
`,
  '0003_items_price_idx.sql': `-- pgtandem:expand
CREATE INDEX CONCURRENTLY items_price_idx ON items (price);
-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS items_price_idx;
`,
};
const PHASES = ['expand', 'migrate', 'contract'] as const;

/** Everything the final state must agree on: the schema, every row, and how often each was updated. */
async function finalState(db: TestDatabase): Promise<{ schema: string[]; data: string; updates: unknown }> {
  const data = await db.client.query<{ md5: string }>(`SELECT md5(string_agg(format('%s|%s|%s', id, price, price_cents), ',' ORDER BY id)) AS md5 FROM items`);
  const updates = await db.client.query(`SELECT min(updates) AS min, max(updates) AS max, count(*)::int AS rows FROM items`);
  return { schema: await schemaShape(db.client), data: data.rows[0]!.md5, updates: updates.rows[0] };
}

describe(`crash anywhere: ${KILLS} seeded SIGKILLs (seed ${SEED}) during expand, migrate and contract, then a rerun`, () => {
  let dir: string;
  let reference: Awaited<ReturnType<typeof finalState>>;
  const durations: Record<(typeof PHASES)[number], number> = { expand: 0, migrate: 0, contract: 0 };
  const next = random(SEED);

  beforeAll(async () => {
    dir = migrationsDir(MIGRATIONS);
    // Small batches with a pause: the backfill spans many transactions, so kills land inside it.
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ batchSize: 2000, batchDelayMs: 5, batchTargetMs: 0 }));
    const clean = await createTestDatabase('crash_reference');
    try {
      for (const phase of PHASES) {
        const started = performance.now();
        const run = await runCli([phase, '--dir', dir], { cwd: dir, env: { DATABASE_URL: clean.url } });
        expect(run.code, run.stderr).toBe(0);
        durations[phase] = performance.now() - started;
      }
      reference = await finalState(clean);
    } finally {
      await clean.drop();
    }
  });

  // Kills that landed before the phase had finished its work: the ones that test anything.
  let interrupted = 0;
  const AFTER = { expand: 'expanded', migrate: 'migrated', contract: 'contracted' } as const;

  it('the uninterrupted run updated every row exactly once', () => {
    expect(reference.updates).toEqual({ min: 1, max: 1, rows: ROWS });
  });

  it.each(Array.from({ length: KILLS }, (_, i) => i))('kill point %i', async (i) => {
    // Seeded: the phase (round robin, so each gets its share) and the moment within its measured duration.
    const phase = PHASES[i % PHASES.length]!;
    const at = Math.floor(next() * durations[phase]);
    const db = await createTestDatabase(`crash_${i}`);
    const cli = (name: string) => runCli([name, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    try {
      for (const earlier of PHASES.slice(0, PHASES.indexOf(phase))) expect((await cli(earlier)).code).toBe(0);
      const victim = startCli([phase, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
      await new Promise((resolve) => setTimeout(resolve, at));
      victim.child.kill('SIGKILL');
      await victim.done;
      const left = await db.client
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM pgtandem.migrations WHERE state <> $1`, [AFTER[phase]])
        .then((r) => r.rows[0]!.n, () => 1);
      if (left > 0) interrupted++;
      // The rerun: the killed phase again (whether or not it had finished), then the rest.
      for (const rest of PHASES.slice(PHASES.indexOf(phase))) {
        const run = await cli(rest);
        expect(run.code, `${rest} after a kill in ${phase} at ${at} ms: ${run.stderr}`).toBe(0);
      }
      expect(await finalState(db), `killed in ${phase} at ${at} ms`).toEqual(reference);
    } finally {
      await db.drop();
    }
  });

  it('most kills landed in the middle of a phase', () => {
    expect(interrupted).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
  });
});
