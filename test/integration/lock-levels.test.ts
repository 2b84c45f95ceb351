import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableLocks, type LockMode } from '../../src/lint/lock-level.js';
import { Catalog } from '../../src/schema/catalog.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The lock each statement takes, as src/lint/lock-level.ts predicts it, checked
// against what a real server grants: run the statement in a transaction, read
// pg_locks for our own backend, roll back.

let db: TestDatabase;

beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('lock_levels');
  await db.client.query(`
    CREATE TABLE parent (id bigint PRIMARY KEY);
    CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint, c int, v varchar(10));
    CREATE INDEX child_c_idx ON child (c);
    CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER child_noop BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION noop();
    ALTER TABLE child ADD CONSTRAINT child_c_positive CHECK (c > 0) NOT VALID;
    ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;
  `);
});
afterAll(async () => db?.drop());

const MODE_NAMES: Record<string, LockMode> = {
  AccessShareLock: 'ACCESS SHARE',
  RowShareLock: 'ROW SHARE',
  RowExclusiveLock: 'ROW EXCLUSIVE',
  ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  ShareLock: 'SHARE',
  ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE',
  ExclusiveLock: 'EXCLUSIVE',
  AccessExclusiveLock: 'ACCESS EXCLUSIVE',
};
const ORDER = Object.values(MODE_NAMES);

/** The strongest lock the server granted on parent and child while `sql` ran. */
async function observed(sql: string): Promise<Record<string, LockMode>> {
  const c = db.client;
  // By OID, taken before: the statement may rename or drop the table.
  const { rows: tables } = await c.query<{ oid: number; name: string }>(`SELECT oid::int, relname AS name FROM pg_class WHERE relname IN ('parent', 'child')`);
  await c.query('BEGIN');
  try {
    await c.query(sql);
    const { rows: locks } = await c.query<{ oid: number; mode: string }>(
      `SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = ANY($1::oid[])`,
      [tables.map((t) => t.oid)],
    );
    const rows = locks.map((l) => ({ rel: tables.find((t) => t.oid === l.oid)!.name, mode: l.mode }));
    const strongest: Record<string, LockMode> = {};
    for (const { rel, mode } of rows) {
      const name = MODE_NAMES[mode]!;
      if (!strongest[rel] || ORDER.indexOf(name) > ORDER.indexOf(strongest[rel]!)) strongest[rel] = name;
    }
    return strongest;
  } finally {
    await c.query('ROLLBACK');
  }
}

function predicted(sql: string): Record<string, LockMode> {
  const [statement] = parseSegment(sql, { phase: 'expand', start: 0, end: sql.length }).statements;
  return Object.fromEntries(tableLocks(statement!).map((l) => [l.table.name, l.mode]));
}

describe('lock levels match what PostgreSQL grants', () => {
  it.each([
    'ALTER TABLE child ADD COLUMN d text',
    'ALTER TABLE child DROP COLUMN v',
    'ALTER TABLE child ALTER COLUMN c SET DEFAULT 1',
    'ALTER TABLE child ALTER COLUMN c DROP NOT NULL',
    'ALTER TABLE child ALTER COLUMN v TYPE text',
    'ALTER TABLE child ALTER COLUMN c SET STATISTICS 500',
    'ALTER TABLE child SET (fillfactor = 90)',
    'ALTER TABLE child ADD CONSTRAINT child_v_check CHECK (v <> \'\') NOT VALID',
    'ALTER TABLE child VALIDATE CONSTRAINT child_c_positive',
    'ALTER TABLE child ADD CONSTRAINT child_parent_fk2 FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID',
    'ALTER TABLE child DISABLE TRIGGER child_noop',
    'ALTER TABLE child ENABLE ROW LEVEL SECURITY',
    'ALTER TABLE child RENAME COLUMN v TO w',
    'ALTER TABLE child RENAME TO kid',
    'CREATE INDEX child_v_idx ON child (v)',
    'CREATE TRIGGER child_noop2 BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION noop()',
    'DROP TABLE child',
    'TRUNCATE child',
    'CLUSTER child USING child_pkey',
    'REINDEX TABLE child',
    'LOCK TABLE child IN SHARE MODE',
    'UPDATE child SET c = 1',
    'DELETE FROM child',
    'INSERT INTO child (id) VALUES (1)',
    'CREATE TABLE grandchild (id bigint PRIMARY KEY, child_id bigint REFERENCES child (id))',
  ])('%s', async (sql) => {
    const expected = predicted(sql);
    const actual = await observed(sql);
    // Every table we predict a lock on is locked in exactly that mode.
    for (const [table, mode] of Object.entries(expected)) expect({ table, mode }).toEqual({ table, mode: actual[table] });
  });
});

describe('with the catalog, an index named alone locks its table', () => {
  it.each([
    ['DROP INDEX child_c_idx', { child: 'ACCESS EXCLUSIVE' }],
    ['REINDEX INDEX child_c_idx', { child: 'SHARE' }],
  ])('%s', async (sql, expected) => {
    const catalog = new Catalog();
    catalog.tables.set('public.child', { schema: 'public', name: 'child', kind: 'table', columns: [], constraints: [] });
    catalog.indexes.set('public.child_c_idx', { schema: 'public', name: 'child_c_idx', table: { schema: 'public', name: 'child' }, unique: false, primary: false, valid: true, columns: ['c'], partial: false, method: 'btree' });
    const [statement] = parseSegment(sql, { phase: 'expand', start: 0, end: sql.length }).statements;
    const withCatalog = Object.fromEntries(tableLocks(statement!, { catalog, searchPath: ['public'] }).map((l) => [l.table.name, l.mode]));
    expect(withCatalog).toEqual(expected);
    const actual = await observed(sql);
    for (const [table, mode] of Object.entries(expected)) expect({ table, mode }).toEqual({ table, mode: actual[table] });
  });
});
