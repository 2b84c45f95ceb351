import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBackfill, runBackfill } from '../../src/runner/backfill/backfill.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { CursorTable, simpleTransaction, statementOf } from '../support/backfill.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// What the backfill refuses once it has read the table from the catalog; each
// message says why and that `-- pgtandem:no-batch` runs the statement as written.

let db: TestDatabase;

beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('backfill_refusals');
});
afterAll(async () => db?.drop());

describe('statements refused once the catalog is read', () => {
  beforeAll(async () => {
    await db.client.query(`
      CREATE TABLE nokey (a int, b text);
      CREATE TABLE nullable_unique (a int UNIQUE, b int);
      CREATE TABLE partial_unique (a int NOT NULL, b int);
      CREATE UNIQUE INDEX partial_unique_a ON partial_unique (a) WHERE b > 0;
      CREATE TABLE expression_unique (e text NOT NULL);
      CREATE UNIQUE INDEX expression_unique_e ON expression_unique (lower(e));
      CREATE TABLE keyed (id int PRIMARY KEY, v int);
      CREATE VIEW keyed_view AS SELECT * FROM keyed;
      CREATE TABLE inh_parent (id int PRIMARY KEY, v int);
      CREATE TABLE inh_child () INHERITS (inh_parent);
      CREATE TABLE agg_dst (n bigint);`);
  });

  it.each([
    ['UPDATE nokey SET b = a::text', 'UPDATE of nokey', 'nokey has no primary key and no unique index on NOT NULL columns to walk in order'],
    ['UPDATE nullable_unique SET b = 1', 'UPDATE of nullable_unique', 'nullable_unique has no primary key and no unique index'],
    ['DELETE FROM partial_unique WHERE b < 0', 'DELETE of partial_unique', 'partial_unique has no primary key and no unique index'],
    ['UPDATE expression_unique SET e = upper(e)', 'UPDATE of expression_unique', 'expression_unique has no primary key and no unique index'],
    ['UPDATE keyed_view SET v = 1', 'UPDATE of keyed_view', 'keyed_view is a view; run the statement on the table behind it'],
    ['UPDATE inh_parent SET v = 1', 'UPDATE of inh_parent', 'inh_parent has inheritance children, which its key does not cover'],
    ['UPDATE missing_table SET v = 1', 'UPDATE of missing_table', 'missing_table does not exist'],
    ['UPDATE keyed SET id = id + 1000', 'UPDATE of keyed', 'it changes id, part of the key keyed_pkey the batches walk, so rows would move past the cursor and be changed twice'],
    ['UPDATE keyed SET (v, id) = (1, 2)', 'UPDATE of keyed', 'it changes id, part of the key keyed_pkey'],
    ['INSERT INTO agg_dst (n) SELECT sum(v) FROM keyed', 'INSERT of agg_dst', 'its SELECT aggregates rows (sum), and one batch is not the whole table'],
  ])('%s', async (sql, what, reason) => {
    await expect(planBackfill(db.client, statementOf(sql))).rejects.toMatchObject({
      code: 'BACKFILL_REFUSED',
      message: expect.stringContaining(`Cannot run this ${what} in keyset batches: `),
    });
    await expect(planBackfill(db.client, statementOf(sql))).rejects.toThrow(reason);
  });

  it('says the whole story in one line', async () => {
    await expect(planBackfill(db.client, statementOf('UPDATE nokey SET b = NULL'))).rejects.toThrow(
      /^Cannot run this UPDATE of nokey in keyset batches: nokey has no primary key and no unique index on NOT NULL columns to walk in order\. Put "-- pgtandem:no-batch" on the line before it to run it as written, in one transaction\.$/,
    );
  });

  it('batches UPDATE ONLY of a table with inheritance children over the parent alone', async () => {
    await db.client.query('INSERT INTO inh_parent SELECT g, 0 FROM generate_series(1, 50) g; INSERT INTO inh_child SELECT g, 0 FROM generate_series(1, 5) g;');
    const cursors = new CursorTable(db.client);
    await cursors.create();
    const plan = await planBackfill(db.client, statementOf('UPDATE ONLY inh_parent SET v = 1'));
    expect(plan.firstBatchSql).toContain('FROM ONLY public.inh_parent WHERE id <= $1::integer ORDER BY id');
    expect(plan.upperSql).toContain('FROM ONLY public.inh_parent ORDER BY id DESC');
    const cursor = await runBackfill(plan, { transaction: simpleTransaction(db.client), saveCursor: cursors.saver('only'), batchSize: 20, batchDelayMs: 0, batchTargetMs: 0 });
    expect(cursor).toMatchObject({ done: true, batches: 3, rowsDone: 50 });
    const child = await db.client.query<{ n: string }>('SELECT count(*) AS n FROM inh_child WHERE v = 1');
    expect(Number(child.rows[0]!.n)).toBe(0);
  });
});
