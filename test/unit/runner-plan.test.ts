import { beforeAll, describe, expect, it } from 'vitest';
import { readMigrationSource } from '../../src/migrations/discover.js';
import type { Phase } from '../../src/migrations/phase.js';
import { RunnerError } from '../../src/errors.js';
import { describePlans } from '../../src/runner/describe-plan.js';
import { migrationKey, planPhase, sectionChecksum } from '../../src/runner/plan.js';
import { loadParser } from '../../src/sql/pg-parser.js';

beforeAll(async () => {
  await loadParser();
});

function plan(sql: string, phase: Phase, pgVersion = 16, path = '0001_test.sql') {
  return planPhase(readMigrationSource(path, sql), phase, { pgVersion });
}

/** Each action as `<kind>/<tx|alone>: first words of each statement`. */
function shape(sql: string, phase: Phase, pgVersion = 16): string[] {
  return plan(sql, phase, pgVersion).actions.map(
    (a) => `${a.kind}/${a.transactional ? 'tx' : 'alone'}: ${a.statements.map((s) => s.text.split(/\s+/).slice(0, 3).join(' ')).join(' | ')}`,
  );
}

describe('planPhase: transaction boundaries', () => {
  it.each([
    {
      title: 'consecutive statements share one transaction',
      phase: 'expand' as const,
      sql: '-- pgtandem:expand\nALTER TABLE t ADD COLUMN a int;\nCREATE TABLE u (id int);\n',
      expected: ['statements/tx: ALTER TABLE t | CREATE TABLE u'],
    },
    {
      title: 'CREATE INDEX CONCURRENTLY runs alone, splitting the transaction',
      phase: 'expand' as const,
      sql: '-- pgtandem:expand\nALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nALTER TABLE t ADD COLUMN b int;\n',
      expected: ['statements/tx: ALTER TABLE t', 'statements/alone: CREATE INDEX CONCURRENTLY', 'statements/tx: ALTER TABLE t'],
    },
    {
      title: 'DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM run alone',
      phase: 'contract' as const,
      sql: '-- pgtandem:contract\nDROP INDEX CONCURRENTLY t_a;\nREINDEX (CONCURRENTLY) INDEX t_b;\nVACUUM t;\n',
      expected: ['statements/alone: DROP INDEX CONCURRENTLY', 'statements/alone: REINDEX (CONCURRENTLY) INDEX', 'statements/alone: VACUUM t'],
    },
    {
      title: 'explicit BEGIN … COMMIT is one action',
      phase: 'expand' as const,
      sql: '-- pgtandem:expand\nCREATE TABLE a (id int);\nBEGIN;\nCREATE TABLE b (id int);\nCREATE TABLE c (id int);\nCOMMIT;\nCREATE TABLE d (id int);\n',
      expected: ['statements/tx: CREATE TABLE a', 'statements/tx: CREATE TABLE b | CREATE TABLE c', 'statements/tx: CREATE TABLE d'],
    },
    {
      title: 'migrate: UPDATE, DELETE and INSERT … SELECT become backfills',
      phase: 'migrate' as const,
      sql: "-- pgtandem:migrate\nUPDATE t SET a = 1 WHERE a IS NULL;\nDELETE FROM t WHERE a = 2;\nINSERT INTO u SELECT id FROM t;\nINSERT INTO u VALUES (1);\n",
      expected: ['backfill/alone: UPDATE t SET', 'backfill/alone: DELETE FROM t', 'backfill/alone: INSERT INTO u', 'statements/tx: INSERT INTO u'],
    },
    {
      title: 'migrate: -- pgtandem:no-batch keeps a statement as written',
      phase: 'migrate' as const,
      sql: '-- pgtandem:migrate\n-- pgtandem:no-batch\nUPDATE t SET a = 1;\nUPDATE t SET b = 2;\n',
      expected: ['statements/tx: UPDATE t SET', 'backfill/alone: UPDATE t SET'],
    },
    {
      title: 'an UPDATE in expand is not batched',
      phase: 'expand' as const,
      sql: '-- pgtandem:expand\nUPDATE t SET a = 1;\n',
      expected: ['statements/tx: UPDATE t SET'],
    },
    {
      title: 'an empty section has no actions',
      phase: 'contract' as const,
      sql: '-- pgtandem:expand\nCREATE TABLE a (id int);\n-- pgtandem:contract\n-- nothing yet\n',
      expected: [],
    },
  ])('$title', ({ sql, phase, expected }) => {
    expect(shape(sql, phase)).toEqual(expected);
  });

  it('ALTER TYPE … ADD VALUE runs alone before PostgreSQL 12 and in the transaction from 12 on', () => {
    const sql = "-- pgtandem:expand\nALTER TYPE mood ADD VALUE 'meh';\nCREATE TABLE x (id int);\n";
    expect(shape(sql, 'expand', 11)).toEqual(['statements/alone: ALTER TYPE mood', 'statements/tx: CREATE TABLE x']);
    expect(shape(sql, 'expand', 12)).toEqual(['statements/tx: ALTER TYPE mood | CREATE TABLE x']);
  });

  it('records the locks each action expects', () => {
    const actions = plan('-- pgtandem:expand\nALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n', 'expand').actions;
    expect(actions.map((a) => a.expectedLocks.map((l) => `${l.mode} ${l.table.name}`))).toEqual([['ACCESS EXCLUSIVE t'], ['SHARE UPDATE EXCLUSIVE t']]);
  });

  it('numbers actions and keeps their first line', () => {
    const actions = plan('-- pgtandem:expand\nCREATE TABLE a (id int);\n\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n', 'expand').actions;
    expect(actions.map((a) => [a.id, a.line])).toEqual([
      ['expand#1', 2],
      ['expand#2', 4],
    ]);
  });
});

describe('planPhase: refusals', () => {
  it.each([
    { title: 'a statement that does not parse', sql: '-- pgtandem:expand\nALTER TABLE t ADD COLUM a int;\n', message: /0001_test\.sql:2: expand section does not parse/ },
    { title: 'ROLLBACK', sql: '-- pgtandem:expand\nCREATE TABLE a (id int);\nROLLBACK;\n', message: /0001_test\.sql:3: ROLLBACK is not supported/ },
    { title: 'BEGIN without COMMIT', sql: '-- pgtandem:expand\nBEGIN;\nCREATE TABLE a (id int);\n', message: /0001_test\.sql:2: BEGIN without a COMMIT/ },
    {
      title: 'CONCURRENTLY inside an explicit transaction',
      sql: '-- pgtandem:expand\nBEGIN;\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nCOMMIT;\n',
      message: /0001_test\.sql:3: this statement cannot run inside the transaction block opened at 0001_test\.sql:2/,
    },
  ])('$title', ({ sql, message }) => {
    expect(() => plan(sql, 'expand')).toThrow(RunnerError);
    expect(() => plan(sql, 'expand')).toThrow(message);
  });
});

describe('plan identity', () => {
  it('keys a migration by its version and checksums each section separately', () => {
    const before = readMigrationSource('0007_x.sql', '-- pgtandem:expand\nCREATE TABLE a (id int);\n-- pgtandem:abort\nDROP TABLE a;\n');
    const after = readMigrationSource('0007_x.sql', '-- pgtandem:expand\nCREATE TABLE a (id int);\n-- pgtandem:abort\nDROP TABLE IF EXISTS a;\n');
    expect(migrationKey(before)).toBe('0007');
    expect(sectionChecksum(before, 'expand')).toBe(sectionChecksum(after, 'expand'));
    expect(sectionChecksum(before, 'abort')).not.toBe(sectionChecksum(after, 'abort'));
  });

  it('a foreign layout is all expand', () => {
    const file = readMigrationSource('migrations/20240101000000_init/migration.sql', 'CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n', {}, 'prisma');
    expect(planPhase(file, 'expand', { pgVersion: 16 }).actions.map((a) => a.transactional)).toEqual([true, false]);
    expect(planPhase(file, 'migrate', { pgVersion: 16 }).actions).toEqual([]);
  });

  it('a foreign file its tool runs without a transaction gets one transaction per statement', () => {
    const file = readMigrationSource('00001_enum.sql', "-- +goose NO TRANSACTION\n-- +goose Up\nALTER TYPE mood ADD VALUE 'meh';\nUPDATE people SET mood = 'meh' WHERE mood IS NULL;\n", {}, 'goose');
    expect(file.inTransaction).toBe(false);
    expect(planPhase(file, 'expand', { pgVersion: 16 }).actions.map((a) => [a.transactional, a.statements.length])).toEqual([
      [true, 1],
      [true, 1],
    ]);
  });

  it('--dry-run text shows boundaries, locks and SQL', () => {
    const text = describePlans([plan('-- pgtandem:expand\nALTER TABLE t ADD COLUMN a int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n', 'expand')]);
    expect(text).toContain('0001_test.sql — expand (2 actions)');
    expect(text).toContain('expand#1  one transaction (1 statement)  line 2');
    expect(text).toContain('locks: ACCESS EXCLUSIVE on t');
    expect(text).toContain('expand#2  outside a transaction (runs alone)  line 3');
    expect(text).toContain('CREATE INDEX CONCURRENTLY t_a ON t (a);');
  });
});
