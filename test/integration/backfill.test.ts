import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeBackfill,
  planBackfill,
  runBackfill,
  type BackfillCursor,
  type BackfillProgress,
} from '../../src/runner/backfill/backfill.js';
import { BACKFILL_SETTING } from '../../src/runner/backfill/run-backfill.js';
import { transactionRunner } from '../../src/runner/lock-retry.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { CursorTable, simpleTransaction, statementOf } from '../support/backfill.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// A migrate statement run in keyset batches must leave exactly the data the
// statement run as written leaves. Each case builds two copies of its tables
// (suffix _b for batched, _p for plain), runs the statement both ways and
// compares a checksum of the changed table.

let db: TestDatabase;
let cursors: CursorTable;

beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('backfill');
  cursors = new CursorTable(db.client);
  await cursors.create();
  await db.client.query(`
    CREATE TABLE hits (tbl text, id text, n int NOT NULL DEFAULT 1, PRIMARY KEY (tbl, id));
    CREATE FUNCTION count_hit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO hits (tbl, id) VALUES (TG_TABLE_NAME, OLD.id::text) ON CONFLICT (tbl, id) DO UPDATE SET n = hits.n + 1;
      RETURN NEW;
    END $$;
    CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$;
  `);
});
afterAll(async () => db?.drop());

/** 20,000 rows, ids 1..30,000 without the multiples of 3. */
const items = (t: string): string => `
  CREATE TABLE ${t} (id bigint PRIMARY KEY, n int NOT NULL, note text);
  INSERT INTO ${t} SELECT g, g % 10, CASE WHEN g % 4 = 0 THEN NULL ELSE 'x' || g END FROM generate_series(1, 30000) g WHERE g % 3 <> 0;
  ANALYZE ${t};`;

async function checksum(table: string, orderBy: string): Promise<string> {
  const result = await db.client.query<{ sum: string }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY ${orderBy}), '')) AS sum FROM ${table} t`);
  return result.rows[0]!.sum;
}

async function count(sql: string): Promise<number> {
  const result = await db.client.query<{ n: string }>(sql);
  return Number(result.rows[0]!.n);
}

interface RunOptions {
  batchSize?: number;
  batchTargetMs?: number;
  cursor?: BackfillCursor;
  name?: string;
  onProgress?: (p: BackfillProgress) => void;
  save?: (client: pg.ClientBase, cursor: BackfillCursor) => Promise<void>;
  before?: () => Promise<void>;
}

async function backfill(sql: string, options: RunOptions = {}): Promise<BackfillCursor> {
  const plan = await planBackfill(db.client, statementOf(sql));
  return runBackfill(plan, {
    transaction: simpleTransaction(db.client, options.before),
    saveCursor: options.save ?? cursors.saver(options.name ?? sql),
    batchSize: options.batchSize ?? 1000,
    batchDelayMs: 0,
    batchTargetMs: options.batchTargetMs ?? 0,
    ...(options.cursor ? { cursor: options.cursor } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

interface SameDataCase {
  name: string;
  setup: (s: '_b' | '_p') => string;
  statement: (s: '_b' | '_p') => string;
  /** The table whose data is compared, and its order. */
  compare: (s: '_b' | '_p') => string;
  orderBy: string;
  batchSize: number;
  batches: number;
  /** Rows the statement changes (from the plain run's row count). */
  changed: number;
}

const sameData: SameDataCase[] = [
  {
    name: 'UPDATE … WHERE over a bigint key with gaps',
    setup: (s) => items(`items${s}`),
    statement: (s) => `UPDATE items${s} SET note = upper(coalesce(note, 'none')) || '-' || n WHERE n < 7`,
    compare: (s) => `items${s}`,
    orderBy: 'id',
    batchSize: 1000,
    batches: 20,
    changed: 14000,
  },
  {
    name: 'UPDATE over a composite (int, text) primary key, with an alias',
    setup: (s) => `
      CREATE TABLE pairs${s} (a int, b text, v int NOT NULL, PRIMARY KEY (a, b));
      INSERT INTO pairs${s} SELECT a, b, a FROM generate_series(1, 50) a, unnest(ARRAY['x', 'O''Brien', 'ünï', 'a"b', '', ' ', 'skip', 'z z']) b;`,
    statement: (s) => `UPDATE pairs${s} AS p SET v = p.v * 10 + length(p.b) WHERE p.b <> 'skip'`,
    compare: (s) => `pairs${s}`,
    orderBy: 'a, b',
    batchSize: 7,
    batches: Math.ceil(400 / 7),
    changed: 350,
  },
  {
    name: 'UPDATE over a unique index on a NOT NULL text column (no primary key; a nullable unique column is not used)',
    setup: (s) => `
      CREATE TABLE tags${s} (name text NOT NULL, alt text UNIQUE, v int);
      CREATE UNIQUE INDEX tags${s}_name ON tags${s} (name);
      INSERT INTO tags${s} (name, v) SELECT 'tag ' || g, g FROM generate_series(1, 997) g;
      INSERT INTO tags${s} (name, v) VALUES ('O''Brien', 1), ('ünï', 2), ('a"b', 3), ('', 4);`,
    statement: (s) => `UPDATE tags${s} SET v = -v`,
    compare: (s) => `tags${s}`,
    orderBy: 'name',
    batchSize: 100,
    batches: 11,
    changed: 1001,
  },
  {
    name: 'DELETE … WHERE',
    setup: (s) => items(`gone${s}`),
    statement: (s) => `DELETE FROM gone${s} WHERE n IN (2, 5) OR note IS NULL`,
    compare: (s) => `gone${s}`,
    orderBy: 'id',
    batchSize: 3000,
    batches: 7,
    changed: 8000,
  },
  {
    name: 'INSERT … SELECT … ON CONFLICT, walking the source table',
    setup: (s) => `${items(`src${s}`)}
      CREATE TABLE dst${s} (id bigint PRIMARY KEY, label text NOT NULL);
      INSERT INTO dst${s} VALUES (4, 'already there');`,
    statement: (s) => `INSERT INTO dst${s} (id, label) SELECT s.id, 'v' || s.n FROM src${s} s WHERE s.n > 2 ON CONFLICT (id) DO NOTHING`,
    compare: (s) => `dst${s}`,
    orderBy: 'id',
    batchSize: 2500,
    batches: 8,
    changed: 13999,
  },
  {
    name: 'UPDATE … FROM a lookup table',
    setup: (s) => `
      CREATE TABLE customers${s} (id int PRIMARY KEY, name text NOT NULL);
      INSERT INTO customers${s} SELECT g, 'customer ' || g FROM generate_series(1, 100) g;
      CREATE TABLE orders${s} (id int PRIMARY KEY, customer_id int NOT NULL, customer_name text);
      INSERT INTO orders${s} SELECT g, g % 120 + 1, NULL FROM generate_series(1, 3000) g;`,
    statement: (s) => `UPDATE orders${s} o SET customer_name = c.name FROM customers${s} c WHERE c.id = o.customer_id`,
    compare: (s) => `orders${s}`,
    orderBy: 'id',
    batchSize: 500,
    batches: 6,
    changed: 2500,
  },
  {
    name: 'UPDATE of a partitioned table with a primary key',
    setup: (s) => `
      CREATE TABLE parts${s} (id int, region int, v int NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE parts${s}_1 PARTITION OF parts${s} FOR VALUES IN (1);
      CREATE TABLE parts${s}_2 PARTITION OF parts${s} FOR VALUES IN (2);
      INSERT INTO parts${s} SELECT g, g % 2 + 1, g FROM generate_series(1, 2000) g;`,
    statement: (s) => `UPDATE parts${s} SET v = v * 2 WHERE region = 1`,
    compare: (s) => `parts${s}`,
    orderBy: 'id, region',
    batchSize: 300,
    batches: 7,
    changed: 1000,
  },
];

describe('a batched statement leaves the same data as the statement run as written', () => {
  it.each(sameData)('$name', async (c) => {
    await db.client.query(c.setup('_b'));
    await db.client.query(c.setup('_p'));
    const plain = await db.client.query(c.statement('_p'));
    expect(plain.rowCount).toBe(c.changed);

    const progress: BackfillProgress[] = [];
    const cursor = await backfill(c.statement('_b'), { batchSize: c.batchSize, onProgress: (p) => progress.push(p) });
    expect(await checksum(c.compare('_b'), c.orderBy)).toBe(await checksum(c.compare('_p'), c.orderBy));
    expect(cursor).toMatchObject({ done: true, batches: c.batches, rowsDone: c.changed });
    expect(progress.at(-1)).toMatchObject({ done: true, rowsDone: c.changed, batches: c.batches });
    expect(progress.filter((p) => !p.done).every((p) => p.batchSize === c.batchSize)).toBe(true);
  });
});

describe('resuming from the saved cursor', () => {
  it('after a crash inside batch 7 and a stop after batch 12: every matching row changed exactly once', async () => {
    await db.client.query(`${items('resumed')}
      CREATE TRIGGER resumed_hit BEFORE UPDATE ON resumed FOR EACH ROW EXECUTE FUNCTION count_hit();`);
    const sql = `UPDATE resumed SET note = 'done' WHERE n <> 0`;
    const save = cursors.saver('resumed');
    let saves = 0;
    const crashing = async (client: pg.ClientBase, cursor: BackfillCursor): Promise<void> => {
      await save(client, cursor);
      // Saved, then killed before COMMIT: the whole batch rolls back with its cursor.
      // (The first save is the bound read before batch 1.)
      if (++saves === 8) throw new Error('killed inside batch 7');
    };
    await expect(backfill(sql, { save: crashing })).rejects.toThrow('killed inside batch 7');
    const afterCrash = await cursors.read('resumed');
    expect(afterCrash).toMatchObject({ batches: 6, done: false });
    expect(await count(`SELECT count(*) AS n FROM hits WHERE tbl = 'resumed'`)).toBe(afterCrash!.rowsDone);

    // Killed after batch 12 committed, before the next one began.
    const stopAfter12 = (p: BackfillProgress): void => {
      if (p.batches === 12) throw new Error('killed between batches');
    };
    await expect(backfill(sql, { save, cursor: afterCrash!, onProgress: stopAfter12 })).rejects.toThrow('between batches');
    const afterStop = await cursors.read('resumed');
    expect(afterStop).toMatchObject({ batches: 12, done: false });

    const final = await backfill(sql, { save, cursor: afterStop! });
    const matching = await count(`SELECT count(*) AS n FROM resumed WHERE n <> 0`);
    expect(final).toMatchObject({ done: true, batches: 20, rowsDone: matching });
    expect(await count(`SELECT count(*) AS n FROM hits WHERE tbl = 'resumed'`)).toBe(matching);
    expect(await count(`SELECT count(*) AS n FROM hits WHERE tbl = 'resumed' AND n <> 1`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM resumed WHERE n <> 0 AND note IS DISTINCT FROM 'done'`)).toBe(0);
    expect(await cursors.read('resumed')).toEqual(final);
  });

  it('does nothing with a cursor that is done', async () => {
    await db.client.query(items('finished'));
    const plan = await planBackfill(db.client, statementOf('UPDATE finished SET n = 0'));
    let transactions = 0;
    const cursor: BackfillCursor = { key: ['29999'], rowsDone: 20000, batches: 20, done: true };
    const result = await runBackfill(plan, {
      transaction: async (work) => {
        transactions++;
        return simpleTransaction(db.client)(work);
      },
      cursor,
      saveCursor: cursors.saver('finished'),
      batchSize: 1000,
      batchDelayMs: 0,
      batchTargetMs: 0,
    });
    expect(result).toEqual(cursor);
    expect(transactions).toBe(0);
    expect(await count('SELECT count(*) AS n FROM finished WHERE n = 0')).toBe(2000);
  });

  it('stops while it waits between batches when its signal aborts, with the cursor of the last batch saved', async () => {
    await db.client.query(items('aborted'));
    const plan = await planBackfill(db.client, statementOf('UPDATE aborted SET n = -1'));
    const controller = new AbortController();
    const run = runBackfill(plan, {
      transaction: simpleTransaction(db.client),
      saveCursor: cursors.saver('aborted'),
      batchSize: 1000,
      batchDelayMs: 60_000,
      batchTargetMs: 0,
      signal: controller.signal,
      onProgress: (p) => {
        // Aborted 50 ms into the minute it waits after batch 1.
        if (p.batches === 1) setTimeout(() => controller.abort(), 50);
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(await cursors.read('aborted')).toMatchObject({ batches: 1, rowsDone: 1000, done: false });
    expect(await count('SELECT count(*) AS n FROM aborted WHERE n = -1')).toBe(1000);
  });
});

describe('adaptive batch size', () => {
  it('shrinks when batches run over the target (a trigger sleeps 2 ms a row)', async () => {
    await db.client.query(`
      CREATE TABLE slow (id int PRIMARY KEY, v int);
      INSERT INTO slow SELECT g, g FROM generate_series(1, 400) g;
      CREATE TRIGGER slow_row BEFORE UPDATE ON slow FOR EACH ROW EXECUTE FUNCTION slow_row();`);
    const sizes: number[] = [];
    // 100 rows × 2 ms ≥ 200 ms, four times the 50 ms target.
    await backfill('UPDATE slow SET v = v + 1', { batchSize: 100, batchTargetMs: 50, onProgress: (p) => p.done || sizes.push(p.batchSize) });
    expect(sizes[0]).toBe(100);
    expect(sizes[1]).toBeLessThanOrEqual(25);
    expect(Math.max(...sizes.slice(1))).toBeLessThanOrEqual(25);
  });

  it('grows when full batches run far under the target, up to a hundred times the configured size', async () => {
    await db.client.query(`CREATE TABLE fast (id int PRIMARY KEY, v int); INSERT INTO fast SELECT g, g FROM generate_series(1, 3000) g;`);
    const sizes: number[] = [];
    await backfill('UPDATE fast SET v = v + 1', { batchSize: 10, batchTargetMs: 60_000, onProgress: (p) => p.done || sizes.push(p.batchSize) });
    expect(sizes.slice(0, 4)).toEqual([10, 20, 40, 80]);
    expect(Math.max(...sizes)).toBe(1000);
  });
});

describe('a writer inserting rows while the backfill runs', () => {
  it('walks the keys up to the last one at the start: rows inserted later, ahead of or behind the cursor, are left to the releases', async () => {
    await db.client.query(`
      CREATE TABLE live (id int PRIMARY KEY, v int NOT NULL, v2 int);
      INSERT INTO live SELECT g, g, NULL FROM generate_series(1000, 20000, 10) g;`);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    let transactions = 0;
    // Transaction 1 reads the bound (id 20000); before batch 4 the first three have walked ids 1000..3990.
    const before = async (): Promise<void> => {
      if (++transactions !== 5) return;
      await writer.query('INSERT INTO live (id, v) VALUES (5, 5), (1001, 1001), (19995, 19995), (50005, 50005)');
    };
    try {
      await backfill('UPDATE live SET v2 = v * 2 WHERE v2 IS NULL', { batchSize: 100, before });
    } finally {
      await writer.end();
    }
    const rows = await db.client.query<{ id: number; v2: number | null }>('SELECT id, v2 FROM live WHERE id IN (5, 1001, 19995, 50005) ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 5, v2: null },
      { id: 1001, v2: null },
      { id: 19995, v2: 39990 },
      { id: 50005, v2: null },
    ]);
    expect(await count('SELECT count(*) AS n FROM live WHERE v2 IS NULL')).toBe(3);
  });

  it('finishes while a writer keeps inserting rows past the end of the table', async () => {
    await db.client.query(`
      CREATE TABLE growing (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int NOT NULL, v2 int);
      INSERT INTO growing (v) SELECT g FROM generate_series(1, 2000) g;`);
    const writer = new pg.Client({ connectionString: db.url });
    await writer.connect();
    // Every batch finds rows inserted since the previous one: without a bound it would never end.
    const before = async (): Promise<void> => void (await writer.query('INSERT INTO growing (v) SELECT g FROM generate_series(1, 150) g'));
    let cursor: Awaited<ReturnType<typeof backfill>>;
    try {
      cursor = await backfill('UPDATE growing SET v2 = v WHERE v2 IS NULL', { batchSize: 100, before });
    } finally {
      await writer.end();
    }
    // The rows inserted before the bound was read are walked; the inserts before each of the 23 later transactions (22 batches and the empty last one) are not.
    expect(cursor.done).toBe(true);
    expect(cursor.rowsDone).toBe(2150);
    expect(cursor.batches).toBe(22);
    expect(await count('SELECT count(*) AS n FROM growing WHERE v2 IS NULL')).toBe(23 * 150);
  });
});

describe('planning reads the key from the catalog', () => {
  it('describes the table, key and batch shape for --dry-run', async () => {
    await db.client.query(items('described'));
    const plan = await planBackfill(db.client, statementOf('UPDATE described SET note = NULL WHERE n = 1'));
    expect(plan).toMatchObject({ verb: 'UPDATE', table: 'public.described', key: { index: 'described_pkey', primary: true, columns: [{ name: 'id', type: 'bigint' }] } });
    expect(plan.estimatedTotal).toBe(20000);
    expect(describeBackfill(plan)).toBe(
      [
        'UPDATE of public.described in keyset batches over (id) [described_pkey], ~20000 rows; one transaction per batch, cursor saved in it',
        '  batch: $batch_end = SELECT id FROM public.described WHERE (id) > $cursor AND (id) <= $last_key_at_start ORDER BY id OFFSET $size - 1 LIMIT 1 (else $last_key_at_start), then UPDATE described SET note = NULL WHERE described.id > $cursor AND described.id <= $batch_end AND (n = 1)',
      ].join('\n'),
    );
  });

  it('runs a statement that picks rows by constant key values as written, in one transaction', async () => {
    await db.client.query(items('picked'));
    const plan = await planBackfill(db.client, statementOf(`UPDATE picked SET note = 'fixed' WHERE id IN (1, 2, 4) AND n > 0`));
    expect(plan.batched).toBe(false);
    expect(describeBackfill(plan)).toBe(
      "UPDATE of public.picked picks rows by constant values of its key (id): runs as written, in one transaction\n  UPDATE picked SET note = 'fixed' WHERE id IN (1, 2, 4) AND n > 0",
    );
    const cursor = await runBackfill(plan, { transaction: simpleTransaction(db.client), saveCursor: cursors.saver('picked'), batchSize: 1000, batchDelayMs: 0, batchTargetMs: 0 });
    expect(cursor).toEqual({ key: null, rowsDone: 3, batches: 1, done: true, rowsScanned: 0 });
    expect(await cursors.read('picked')).toEqual(cursor);
    expect(await count(`SELECT count(*) AS n FROM picked WHERE note = 'fixed'`)).toBe(3);
  });

  it('sets pgtandem.backfill in each batch\'s transaction (the runner\'s, with its timeouts and retries): a trigger guarded by it skips the batches\' rows, and fires for every other write', async () => {
    await db.client.query(`${items('guarded')}
      ALTER TABLE guarded ADD COLUMN fired int NOT NULL DEFAULT 0;
      CREATE FUNCTION guarded_fire() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.fired := NEW.fired + 1; RETURN NEW; END $$;
      CREATE TRIGGER guarded_fire BEFORE UPDATE ON guarded
        FOR EACH ROW WHEN (current_setting('${BACKFILL_SETTING}', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION guarded_fire();`);
    const plan = await planBackfill(db.client, statementOf(`UPDATE guarded SET note = 'b' || id`));
    const settings = { lockTimeout: 1000, statementTimeout: 0, lockRetryDeadline: 10_000 };
    const cursor = await runBackfill(plan, {
      transaction: transactionRunner({ client: db.client, settings, tables: [], label: 'guarded' }),
      saveCursor: cursors.saver('guarded'),
      batchSize: 3000,
      batchDelayMs: 0,
      batchTargetMs: 0,
    });
    expect(cursor).toMatchObject({ rowsDone: 20000, batches: 7, done: true });
    // Set for the batches' transactions only: the session's own writes still fire it.
    await db.client.query(`UPDATE guarded SET note = 'app' WHERE id <= 10`);
    expect((await db.client.query(`SELECT fired, count(*)::int AS n FROM guarded GROUP BY fired ORDER BY fired`)).rows).toEqual([
      { fired: 0, n: 19993 },
      { fired: 1, n: 7 },
    ]);
    expect(await count(`SELECT count(*) AS n FROM guarded WHERE note = 'b' || id OR note = 'app'`)).toBe(20000);
  });
});
