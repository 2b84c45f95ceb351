import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateBackfill, planBackfill, runBackfill } from '../../src/runner/backfill/backfill.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { simpleTransaction, statementOf } from '../support/backfill.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli } from '../support/runner-cli.js';

// The forecast of migrate --dry-run: a sampled batch, rolled back, extrapolated to the catalog's row count.

// Big enough that the measured run lasts a second or more, so a burst from a test running beside it moves it little.
const ROWS = 300_000;
const SETTINGS = { batchSize: 1000, batchDelayMs: 0, batchTargetMs: 500 };
let db: TestDatabase;

beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('backfill_estimate');
  await db.client.query(`CREATE TABLE seeded (id bigint PRIMARY KEY, v int NOT NULL, w int, note text)`);
  await db.client.query(`INSERT INTO seeded (id, v, note) SELECT g, g % 1000, md5(g::text) FROM generate_series(1, ${ROWS}) g`);
  await db.client.query(`VACUUM ANALYZE seeded`);
});

afterAll(async () => {
  await db?.drop();
});

describe('backfill estimate', () => {
  it('is within 2× of the measured time on a seeded table, and changes nothing', async () => {
    const statement = statementOf('UPDATE seeded SET w = v * 2 WHERE w IS NULL');
    const plan = await planBackfill(db.client, statement);
    const estimate = await estimateBackfill(db.client, plan, { ...SETTINGS, timeouts: 'SET LOCAL lock_timeout = 2000' });
    expect(estimate.rows).toBe(ROWS);
    expect((await db.client.query<{ n: number }>('SELECT count(w)::int AS n FROM seeded')).rows[0]!.n).toBe(0);

    const from = performance.now();
    const cursor = await runBackfill(plan, { ...SETTINGS, transaction: simpleTransaction(db.client), saveCursor: async () => {} });
    const seconds = (performance.now() - from) / 1000;
    expect(cursor.rowsDone).toBe(ROWS);
    const ratio = estimate.seconds! / seconds;
    expect(ratio, `estimated ${estimate.seconds!.toFixed(2)} s at ${Math.round(estimate.rowsPerSecond)} rows/s (batch ${estimate.sampleBatch}), measured ${seconds.toFixed(2)} s`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('migrate --dry-run prints the forecast line, and changes nothing', async () => {
    await db.client.query('UPDATE seeded SET w = NULL');
    await db.client.query('VACUUM ANALYZE seeded');
    const dir = migrationsDir({
      '0001_w.sql': '-- pgtandem:expand\nALTER TABLE seeded ADD COLUMN x int;\n-- pgtandem:migrate\nUPDATE seeded SET x = v + 1 WHERE x IS NULL;\n-- pgtandem:abort\nALTER TABLE seeded DROP COLUMN x;\n',
    });
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify(SETTINGS));
    const env = { DATABASE_URL: db.url };
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env })).code).toBe(0);
    const dry = await runCli(['migrate', '--dry-run', '--dir', dir], { cwd: dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/estimate: public\.seeded: ~300k rows, ~\d+ (s|min) at the sampled [\d,]+ rows\/s \(batch [\d,]+\)/);
    expect((await db.client.query<{ n: number }>('SELECT count(x)::int AS n FROM seeded')).rows[0]!.n).toBe(0);
  });
});
