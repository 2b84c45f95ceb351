import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { applyHistory, ApplyHistoryError } from '../../src/schema/apply-history.js';
import { Catalog } from '../../src/schema/catalog.js';
import { measureReplayAccuracy } from '../../src/schema/replay-accuracy.js';
import { readCatalog } from '../../src/schema/read-catalog.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The apply-and-read half of the replay-accuracy measurement, on its own: the
// history applies the way a completed deploy leaves the database, the server
// catalog is read back, and whatever replay is given is compared with it.

let db: TestDatabase;
beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('introspect_apply');
});
afterAll(async () => db?.drop());

describe('applyHistory', () => {
  it('runs expand, migrate and contract of each file in order, CONCURRENTLY statements alone', async () => {
    const files = [
      readMigrationSource(
        'a/0001_start.sql',
        `-- pgtandem:expand
CREATE TABLE items (id int PRIMARY KEY, label text);
CREATE INDEX CONCURRENTLY items_label_idx ON items (label);
-- pgtandem:contract
ALTER TABLE items ADD CONSTRAINT items_label_set CHECK (label IS NOT NULL) NOT VALID;
-- pgtandem:migrate
INSERT INTO items VALUES (1, 'one');
-- pgtandem:abort
DROP TABLE items;
`,
      ),
      // goose wraps a file in a transaction unless told otherwise: the CONCURRENTLY index still runs alone.
      readMigrationSource(
        'b/20260101000000_more.sql',
        `-- +goose Up
ALTER TABLE items VALIDATE CONSTRAINT items_label_set;
CREATE UNIQUE INDEX CONCURRENTLY items_label_key ON items (label);
-- +goose Down
DROP INDEX items_label_key;
`,
      ),
    ];
    await applyHistory(db.client, files, 18);
    const catalog = await readCatalog(db.client);
    expect(catalog.tables.get('public.items')?.constraints.map((c) => [c.name, c.validated])).toEqual([
      ['items_label_set', true],
      ['items_pkey', true],
    ]);
    expect([...catalog.indexes.keys()].sort()).toEqual(['public.items_label_idx', 'public.items_label_key', 'public.items_pkey']);
    // The abort section never ran: the table and its row are there.
    expect((await db.client.query('SELECT count(*)::int AS n FROM items')).rows[0].n).toBe(1);
  });

  it('stops at the first statement the server refuses, with its file and line, and rolls back the open transaction', async () => {
    const file = readMigrationSource(
      'c/0002_broken.sql',
      `-- pgtandem:expand
CREATE TABLE left_behind (id int);

ALTER TABLE missing ADD COLUMN x int;
`,
    );
    const failure = await applyHistory(db.client, [file], 18).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplyHistoryError);
    expect((failure as ApplyHistoryError).message).toBe('c/0002_broken.sql:4: relation "missing" does not exist');
    expect((await db.client.query(`SELECT to_regclass('left_behind') AS t`)).rows[0].t).toBeNull();
  });
});

describe('measureReplayAccuracy', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgtandem-accuracy-'));
    writeFileSync(join(dir, '0001_notes.sql'), '-- pgtandem:expand\nCREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const measure = (replay: () => Catalog) =>
    measureReplayAccuracy('notes', [dir], { serverUrl: inject('databaseUrl'), databasePrefix: 'introspect_measure', replay });

  it('counts every object of both sides and finds a faithful replay at 100%', async () => {
    const replayed = new Catalog();
    replayed.tables.set('public.notes', {
      schema: 'public',
      name: 'notes',
      kind: 'table',
      columns: [
        { name: 'id', type: 'integer', notNull: true },
        { name: 'body', type: 'text', notNull: true },
      ],
      constraints: [{ name: 'notes_pkey', kind: 'primary key', columns: ['id'], validated: true, index: 'notes_pkey' }],
    });
    replayed.indexes.set('public.notes_pkey', {
      schema: 'public',
      name: 'notes_pkey',
      table: { schema: 'public', name: 'notes' },
      unique: true,
      primary: true,
      valid: true,
      columns: ['id'],
      partial: false,
      method: 'btree',
    });
    const result = await measure(() => replayed);
    expect(result).toMatchObject({ project: 'notes', files: 1, applied: true });
    // schema public, table, 2 columns, the primary key, its index
    expect(result.applied && result.comparison).toEqual({ items: 6, matched: 6, match: 1, differences: [] });
  });

  it('reports what a replay missed', async () => {
    const result = await measure(() => new Catalog());
    expect(result.applied && result.comparison.differences).toEqual([
      { kind: 'table', name: 'public.notes', field: 'exists', expected: true, actual: false },
      { kind: 'index', name: 'public.notes_pkey', field: 'exists', expected: true, actual: false },
    ]);
  });

  it('skips a set that does not apply to an empty database, with the first error', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'pgtandem-accuracy-'));
    try {
      writeFileSync(join(broken, 'V1__grant.sql'), 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO no_such_role_here;\n');
      const result = await measureReplayAccuracy('grants', [broken], { serverUrl: inject('databaseUrl'), databasePrefix: 'introspect_measure', replay: () => new Catalog() });
      expect(result).toEqual({ project: 'grants', files: 1, applied: false, error: `${join(broken, 'V1__grant.sql')}:1: role "no_such_role_here" does not exist` });
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
