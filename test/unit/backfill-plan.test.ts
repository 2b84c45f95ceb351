import { beforeAll, describe, expect, it } from 'vitest';
import { BackfillRefusedError } from '../../src/errors.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { backfillShape, hasNoBatchDirective, isBackfillStatement, nextBatchSize } from '../../src/runner/backfill/backfill.js';
import { nestedStatements } from '../../src/sql/nested-statements.js';
import { pinsKey } from '../../src/runner/backfill/pinned-key.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { migrateFile, statementOf, statementsOf } from '../support/backfill.js';

beforeAll(loadParser);

describe('isBackfillStatement', () => {
  it.each([
    ['UPDATE users SET a = 1', true],
    ['DELETE FROM users WHERE a', true],
    ['INSERT INTO b (id) SELECT id FROM a', true],
    ['WITH x AS (SELECT 1) UPDATE users SET a = 1', true],
    ['INSERT INTO b (id) VALUES (1)', false],
    ['INSERT INTO b (id) SELECT 1', false],
    ["INSERT INTO b (id, name) SELECT v.id, v.name FROM (VALUES (1, 'a'), (2, 'b')) v (id, name)", false],
    ['INSERT INTO b (id) SELECT g FROM generate_series(1, 10) g', false],
    ['INSERT INTO b (id) SELECT a.id FROM a JOIN c ON c.id = a.id', true],
    ['INSERT INTO b (id) SELECT s.id FROM (SELECT id FROM a) s', true],
    ['SELECT 1', false],
    ['ALTER TABLE users ADD COLUMN a int', false],
  ])('%s → %s', (sql, expected) => {
    expect(isBackfillStatement(statementOf(sql))).toBe(expected);
  });

  it('an UPDATE inside a DO block runs with the block, as written', () => {
    const block = statementOf('DO $$ BEGIN UPDATE users SET a = 1; END $$');
    const inner = nestedStatements(block);
    expect(inner.map((s) => s.kind)).toEqual(['UpdateStmt']);
    expect([block, ...inner].map(isBackfillStatement)).toEqual([false, false]);
  });
});

describe('the statement restricted to one batch (K stands for the key condition)', () => {
  it.each([
    ['UPDATE users SET a = 1', 'UPDATE users SET a = 1 WHERE K'],
    ['UPDATE users SET a = 1 WHERE b OR c', 'UPDATE users SET a = 1 WHERE K AND (b OR c)'],
    ['UPDATE users u SET a = (SELECT max(x) FROM other WHERE other.id = u.id) WHERE u.b IS DISTINCT FROM 2', 'UPDATE users u SET a = (SELECT max(x) FROM other WHERE other.id = u.id) WHERE K AND (u.b IS DISTINCT FROM 2)'],
    ['UPDATE users SET flag = a IS DISTINCT FROM b FROM accounts a WHERE a.id = users.account_id', 'UPDATE users SET flag = a IS DISTINCT FROM b FROM accounts a WHERE K AND (a.id = users.account_id)'],
    ['UPDATE users SET note = \'WHERE x\' -- trailing WHERE\nWHERE "where" = 1', "UPDATE users SET note = 'WHERE x'                  \nWHERE K AND (\"where\" = 1)"],
    ['WITH x AS (SELECT id FROM other WHERE z) UPDATE users SET a = 1 WHERE id IN (SELECT id FROM x)', 'WITH x AS (SELECT id FROM other WHERE z) UPDATE users SET a = 1 WHERE K AND (id IN (SELECT id FROM x))'],
    ['DELETE FROM events WHERE created < now() - interval \'1 year\'', "DELETE FROM events WHERE K AND (created < now() - interval '1 year')"],
    ['DELETE FROM events USING users WHERE users.id = events.user_id', 'DELETE FROM events USING users WHERE K AND (users.id = events.user_id)'],
    ['INSERT INTO b (id, v) SELECT id, v FROM a', 'INSERT INTO b (id, v) SELECT id, v FROM a WHERE K'],
    ['INSERT INTO b (id, v) SELECT id, v FROM a ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v WHERE b.v IS NULL', 'INSERT INTO b (id, v) SELECT id, v FROM a WHERE K ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v WHERE b.v IS NULL'],
    ['INSERT INTO b (id, v) SELECT s.id, s.v FROM a AS s WHERE s.v > 0 ON CONFLICT DO NOTHING', 'INSERT INTO b (id, v) SELECT s.id, s.v FROM a AS s WHERE K AND (s.v > 0) ON CONFLICT DO NOTHING'],
  ])('%s', (sql, expected) => {
    expect(backfillShape(statementOf(sql)).restrictedTo('K')).toBe(expected);
  });

  it.each([
    ['UPDATE ONLY app.users AS u SET a = 1', { scanned: { schema: 'app', name: 'users' }, only: true, reference: 'u' }],
    ['UPDATE "Users" SET a = 1', { scanned: { schema: undefined, name: 'Users' }, only: false, reference: '"Users"' }],
    ['INSERT INTO b SELECT * FROM app.a x', { scanned: { schema: 'app', name: 'a' }, target: { schema: undefined, name: 'b' }, reference: 'x' }],
  ])('%s walks the right table', (sql, expected) => {
    expect(backfillShape(statementOf(sql))).toMatchObject(expected);
  });
});

describe('statements refused without a database', () => {
  it.each([
    ['UPDATE users SET a = 1 RETURNING id', 'UPDATE of users', 'it has RETURNING'],
    ['DELETE FROM users WHERE CURRENT OF c', 'DELETE of users', 'WHERE CURRENT OF follows a cursor'],
    ['UPDATE users SET a = p.a FROM users p WHERE p.id = users.parent_id', 'UPDATE of users', 'it reads users again (self-join or subquery)'],
    ['DELETE FROM users WHERE id IN (SELECT min(id) FROM users GROUP BY email)', 'DELETE of users', 'it reads users again'],
    ['WITH moved AS (DELETE FROM old RETURNING *) UPDATE users SET a = 1', 'UPDATE of users', 'its WITH clause changes another table'],
    ['INSERT INTO b (id) SELECT id FROM a ORDER BY id', 'INSERT of b', 'its SELECT has ORDER BY'],
    ['INSERT INTO b (id) SELECT id FROM a LIMIT 10', 'INSERT of b', 'its SELECT has LIMIT/OFFSET'],
    ['INSERT INTO b (id) SELECT DISTINCT id FROM a', 'INSERT of b', 'its SELECT has DISTINCT'],
    ['INSERT INTO b (k, n) SELECT k, 1 FROM a GROUP BY k', 'INSERT of b', 'its SELECT has GROUP BY'],
    ['INSERT INTO b (n) SELECT count(*) FROM a', 'INSERT of b', 'its SELECT aggregates rows'],
    ['INSERT INTO b (id, r) SELECT id, row_number() OVER (ORDER BY id) FROM a', 'INSERT of b', 'window function'],
    ['INSERT INTO b (id) SELECT a.id FROM a JOIN c ON c.id = a.id', 'INSERT of b', 'does not read exactly one table'],
    ['INSERT INTO b (id) SELECT id FROM a, c', 'INSERT of b', 'does not read exactly one table'],
    ['INSERT INTO b (id) SELECT id FROM (SELECT id FROM a) s', 'INSERT of b', 'does not read exactly one table'],
    ['INSERT INTO b (id) SELECT id FROM a UNION SELECT id FROM c', 'INSERT of b', 'UNION/INTERSECT/EXCEPT'],
    ['INSERT INTO b (id) SELECT id + 1000 FROM b', 'INSERT of b', 'it reads the table it inserts into'],
    ['INSERT INTO b (id) SELECT id FROM a RETURNING id', 'INSERT of b', 'it has RETURNING'],
  ])('%s', (sql, what, reason) => {
    let error: unknown;
    try {
      backfillShape(statementOf(sql));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BackfillRefusedError);
    const refused = error as BackfillRefusedError;
    expect(refused.code).toBe('BACKFILL_REFUSED');
    expect(refused.message).toContain(`Cannot run this ${what} in keyset batches: `);
    expect(refused.message).toContain(reason);
    expect(refused.message).toMatch(/Put "-- pgtandem:no-batch" on the line before it to run it as written, in one transaction\.$/);
    expect(refused.message).not.toContain('\n');
  });
});

describe('-- pgtandem:no-batch before a statement', () => {
  const cases: Array<[string, boolean[]]> = [
    ['-- pgtandem:no-batch\nUPDATE a SET x = 1;\nUPDATE b SET x = 1;', [true, false]],
    ['UPDATE a SET x = 1;\n-- pgtandem:no-batch\n-- the table has 10 rows\n\nUPDATE b SET x = 1;', [false, true]],
    ['--pgtandem: NO-BATCH: tiny table\nUPDATE a SET x = 1;', [true]],
    ['-- pgtandem:no-batch\nUPDATE a SET x = 1; UPDATE b SET x = 1;', [true, false]],
    ['-- pgtandem:no-batching\nUPDATE a SET x = 1;', [false]],
    ['/* -- pgtandem:no-batch */\nUPDATE a SET x = 1;', [false]],
    ['UPDATE a SET x = 1; -- pgtandem:no-batch\nUPDATE b SET x = 1;', [false, false]],
  ];
  it.each(cases)('%j', (sql, expected) => {
    const file = migrateFile(sql);
    expect(statementsOf(sql).map((s) => hasNoBatchDirective(file, s))).toEqual(expected);
  });
});

describe('a WHERE that picks rows by constant values of the key (id) runs as written', () => {
  it.each([
    ['UPDATE users SET a = 1 WHERE id = 42', true],
    ["UPDATE users u SET a = 1 WHERE u.id IN (1, 2, '3'::bigint) AND a IS NULL", true],
    ['DELETE FROM users WHERE 7 = id', true],
    ['UPDATE users SET a = 1 WHERE id = 42 OR a IS NULL', false],
    ['UPDATE users SET a = 1 WHERE id > 42', false],
    ['UPDATE users SET a = 1 WHERE id NOT IN (1, 2)', false],
    ['UPDATE users SET a = 1 WHERE id = a', false],
    ['UPDATE users SET a = 1 WHERE other.id = 1', false],
    ['UPDATE users SET a = 1', false],
  ])('%s → %s', (sql, expected) => {
    const shape = backfillShape(statementOf(sql));
    expect(pinsKey(shape.where, 'id', shape.referenceName)).toBe(expected);
  });
});

describe('nextBatchSize', () => {
  const configured = 1000;
  it.each([
    ['a batch 4× over the target shrinks to a quarter', 1000, 400, false, 250],
    ['a batch far over the target never goes below 1', 3, 100_000, true, 1],
    ['a full batch under half the target doubles', 1000, 10, true, 2000],
    ['a full batch at 40% of the target grows to aim at 80%', 1000, 40, true, 2000],
    ['a full batch at 45% of the target grows less', 1000, 45, true, 1777],
    ['growth stops at a hundred times the configured size', 90_000, 10, true, 100_000],
    ['a partial batch (the table ran out) says nothing about speed', 1000, 10, false, 1000],
    ['a batch between half the target and the target keeps its size', 1000, 70, true, 1000],
  ])('%s', (_name, size, durationMs, full, expected) => {
    expect(nextBatchSize(size, durationMs, { targetMs: 100, configured, full })).toBe(expected);
  });

  it('keeps the size when no target is set', () => {
    expect(nextBatchSize(500, 10_000, { targetMs: 0, configured, full: true })).toBe(500);
  });
});

describe('migrations-example', () => {
  it('every UPDATE of its migrate sections has a batchable shape', async () => {
    const { migrations } = await discoverMigrations(['migrations-example']);
    const backfills = migrations.flatMap((file) =>
      file.segments
        .filter((segment) => segment.phase === 'migrate')
        .flatMap((segment) => parseSegment(file.text, segment).statements)
        .filter((statement) => isBackfillStatement(statement) && !hasNoBatchDirective(file, statement))
        .map((statement) => `${file.name}: ${backfillShape(statement).restrictedTo('K')}`),
    );
    expect(backfills).toEqual([
      'orders_total_not_negative: UPDATE orders SET total_cents = 0 WHERE K AND (total_cents < 0)',
      'rename_users_name_to_full_name: UPDATE users SET full_name = name WHERE K AND (full_name IS NULL)',
      'users_email_normalized: UPDATE users SET email_normalized = lower(email) WHERE K AND (email_normalized IS NULL)',
    ]);
  });
});
