import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import type { Catalog } from '../../src/schema/catalog.js';
import { readCatalog } from '../../src/schema/read-catalog.js';
import { replicaIdentityOf } from '../../src/schema/replica-identity.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// Publications on a real server (wal_level need not be logical to create one): read into the
// catalog, then the publication rules fire from the live catalog (`lint --database-url`) and
// verify observes the breakage itself on its shadow database.

const SETUP = `
  CREATE SCHEMA feed;
  CREATE TABLE feed.items (id bigint PRIMARY KEY, body text);
  CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);
  CREATE TABLE tags (name text NOT NULL, label text);
  CREATE UNIQUE INDEX tags_name_idx ON tags (name);
  ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;
  CREATE TABLE audit (at timestamptz, entry text);
  ALTER TABLE audit REPLICA IDENTITY FULL;
  CREATE TABLE scratch (id int);
  ALTER TABLE scratch REPLICA IDENTITY NOTHING;
  CREATE TABLE unpublished (id bigint PRIMARY KEY, v integer);
  CREATE PUBLICATION shop FOR TABLE orders (id, total) WHERE (id > 0), tags WITH (publish = 'insert, update, delete');
  CREATE PUBLICATION stream FOR TABLES IN SCHEMA feed;
  CREATE PUBLICATION logs FOR TABLE audit, scratch WITH (publish = 'insert');
`;

let db: TestDatabase;
let catalog: Catalog;

beforeAll(async () => {
  db = await createTestDatabase('publications_live');
  await db.client.query(SETUP);
  catalog = await readCatalog(db.client);
});
afterAll(async () => db?.drop());

describe('readCatalog: publications and replica identity', () => {
  it('reads each publication: what it publishes, its tables with column lists and row filters, its schemas', () => {
    expect(catalog.publications.get('shop')).toEqual({
      name: 'shop',
      allTables: false,
      publish: ['insert', 'update', 'delete'],
      tables: [{ table: { schema: 'public', name: 'orders' }, columns: ['id', 'total'], filtered: true }, { table: { schema: 'public', name: 'tags' } }],
      schemas: [],
    });
    expect(catalog.publications.get('stream')).toEqual({ name: 'stream', allTables: false, publish: ['insert', 'update', 'delete', 'truncate'], tables: [], schemas: ['feed'] });
    expect(catalog.publications.get('logs')).toEqual({
      name: 'logs',
      allTables: false,
      publish: ['insert'],
      tables: [{ table: { schema: 'public', name: 'audit' } }, { table: { schema: 'public', name: 'scratch' } }],
      schemas: [],
    });
  });

  it('reads each table’s replica identity', () => {
    const identity = (key: string) => replicaIdentityOf(catalog, catalog.tables.get(key)!);
    expect(identity('public.orders')).toEqual({ kind: 'key', columns: ['id'], index: 'orders_pkey', primaryKey: true });
    expect(identity('public.tags')).toEqual({ kind: 'key', columns: ['name'], index: 'tags_name_idx', primaryKey: false });
    expect(identity('public.audit')).toEqual({ kind: 'full' });
    expect(identity('public.scratch')).toEqual({ kind: 'none', reason: 'nothing' });
    expect(catalog.tables.get('public.unpublished')?.replicaIdentity).toBeUndefined();
  });
});

interface Finding {
  rule: string;
  severity: string;
  line: number;
  message: string;
}

function pending(sql: string): string {
  const dir = tempDir('pgtandem-publications-');
  writeFileSync(join(dir, '0042_pending.sql'), `-- pgtandem:contract\n${sql}\n`);
  return dir;
}

async function lintLive(sql: string, rules: string[]): Promise<string[]> {
  const dir = pending(sql);
  const run = await runCli(['lint', '--format', 'json', '--database-url', db.url, dir], { cwd: dir });
  expect(run.stderr).toBe('');
  return (JSON.parse(run.stdout) as { findings: Finding[] }).findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.rule} ${f.severity} ${f.line}`);
}

describe('lint --database-url: a publication only the live database knows', () => {
  it('flags the published table losing its key, its identity index, and a published column’s type change', async () => {
    const sql = 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;\nDROP INDEX tags_name_idx;\nALTER TABLE feed.items ALTER COLUMN body TYPE varchar(100);';
    expect(await lintLive(sql, ['changing-replica-identity', 'changing-published-column'])).toEqual([
      'changing-replica-identity error 2',
      'changing-replica-identity error 3',
      'changing-published-column warn 4',
    ]);
  });

  it('says nothing for the same changes on a table no publication publishes, or one published for inserts only', async () => {
    const sql = 'ALTER TABLE unpublished DROP CONSTRAINT unpublished_pkey;\nALTER TABLE unpublished ALTER COLUMN v TYPE bigint;\nALTER TABLE audit REPLICA IDENTITY NOTHING;';
    expect(await lintLive(sql, ['changing-replica-identity', 'changing-published-column'])).toEqual([]);
  });
});

describe('verify: a publication in the history', () => {
  const history = `CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders VALUES (1, 10);
CREATE PUBLICATION shop FOR TABLE orders;
`;
  async function verifyChange(change: string, rule = 'replica-identity-lost', before = history): Promise<{ code: number | null; findings: string[] }> {
    const dir = migrationsDir({ '0001_history.sql': before, '0002_change.sql': change });
    const run = await runCli(['verify', '.', '--shadow-url', inject('databaseUrl'), '--format', 'json', '--no-abort'], { cwd: dir });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    return { code: run.code, findings: report.findings.filter((f) => f.rule === rule).map((f) => `${f.phase} ${f.line} ${f.message}`) };
  }

  it('reports the statement after which the published table refuses UPDATE and DELETE', async () => {
    const result = await verifyChange('-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n');
    expect(result.findings).toEqual([
      'contract 2 after this, public.orders (published) refuses UPDATE or DELETE on the shadow database: cannot update table "orders" because it does not have a replica identity and publishes updates',
    ]);
    expect(result.code).toBe(1);
  });

  it('accepts the key swapped in one transaction, after the new index was built concurrently', async () => {
    const change = `-- pgtandem:contract
CREATE UNIQUE INDEX CONCURRENTLY orders_id_key ON orders (id);
ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_key;
`;
    expect((await verifyChange(change)).findings).toEqual([]);
  });

  it('warns on each published column added, renamed or retyped, on the statement that did it', async () => {
    const change = `-- pgtandem:expand
ALTER TABLE orders ADD COLUMN discount numeric;
CREATE TABLE notes (id int);
-- pgtandem:contract
ALTER TABLE orders RENAME COLUMN total TO amount;
ALTER TABLE orders ALTER COLUMN id TYPE numeric;
ALTER TABLE orders DROP COLUMN discount;
`;
    const result = await verifyChange(change, 'published-column-changed');
    expect(result.findings).toEqual([
      expect.stringMatching(/^expand 2 after this, public\.orders\.discount \(numeric\) is now sent by publication shop: a subscriber stops applying/),
      expect.stringMatching(/^contract 5 after this, public\.orders\.total, sent by publication shop, is now named amount:/),
      expect.stringMatching(/^contract 6 after this, public\.orders\.id, sent by publication shop, changed type from bigint to numeric:/),
    ]);
  });

  it('leaves alone a table that was not published before, columns outside a column list, and a CDC service’s publication', async () => {
    const before = `CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE TABLE events (id bigint PRIMARY KEY);
CREATE PUBLICATION narrow FOR TABLE orders (id, total);
CREATE PUBLICATION supabase_realtime FOR TABLE events;
`;
    const change = `ALTER TABLE orders ADD COLUMN discount numeric;
ALTER TABLE events ADD COLUMN kind text;
CREATE TABLE notes (id int);
ALTER PUBLICATION narrow ADD TABLE notes;
`;
    expect((await verifyChange(change, 'published-column-changed', before)).findings).toEqual([]);
  });
});
