import { beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { readMigrationSource } from '../../src/migrations/discover.js';
import type { Catalog } from '../../src/schema/catalog.js';
import { publicationsOf, replicaIdentityOf } from '../../src/schema/replica-identity.js';
import { replayMigrations } from '../../src/schema/replay-catalog.js';
import { loadParser } from '../../src/sql/pg-parser.js';

beforeAll(loadParser);

function replay(...files: string[]): Catalog {
  return replayMigrations(files.map((text, i) => readMigrationSource(`migrations/${String(i + 1).padStart(4, '0')}_step.sql`, text, {}, 'native')));
}

const identity = (catalog: Catalog, key: string) => replicaIdentityOf(catalog, catalog.tables.get(key)!);
const publishers = (catalog: Catalog, key: string) => publicationsOf(catalog, catalog.tables.get(key)!).map((p) => p.publication.name).sort();

const BASE = `
CREATE SCHEMA feed;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric, note text);
CREATE TABLE feed.items (id bigint PRIMARY KEY);
CREATE TABLE tags (name text NOT NULL);
CREATE UNIQUE INDEX tags_name_idx ON tags (name);
`;

describe('replay: publications', () => {
  it('CREATE PUBLICATION in each form: tables with column lists and row filters, schemas, all tables, publish', () => {
    const catalog = replay(
      BASE +
        `CREATE PUBLICATION shop FOR TABLE orders (id, total) WHERE (total > 0), ONLY tags, TABLES IN SCHEMA feed WITH (publish = 'insert, update');
         CREATE PUBLICATION everything FOR ALL TABLES;
         SET search_path = feed, public;
         CREATE PUBLICATION here FOR TABLES IN SCHEMA CURRENT_SCHEMA;`,
    );
    expect(catalog.publications.get('shop')).toEqual({
      name: 'shop',
      allTables: false,
      publish: ['insert', 'update'],
      tables: [{ table: { schema: 'public', name: 'orders' }, columns: ['id', 'total'], filtered: true }, { table: { schema: 'public', name: 'tags' } }],
      schemas: ['feed'],
    });
    expect(catalog.publications.get('everything')).toMatchObject({ allTables: true, publish: ['insert', 'update', 'delete', 'truncate'] });
    expect(catalog.publications.get('here')?.schemas).toEqual(['feed']);
    expect(publishers(catalog, 'feed.items')).toEqual(['everything', 'here', 'shop']);
    expect(publishers(catalog, 'public.tags')).toEqual(['everything', 'shop']);
  });

  it('ALTER PUBLICATION ADD / DROP / SET objects and options; one the catalog never saw is added (a platform made it)', () => {
    const catalog = replay(
      BASE +
        `ALTER PUBLICATION supabase_realtime ADD TABLE orders;
         CREATE PUBLICATION shop FOR TABLE orders;
         ALTER PUBLICATION shop ADD TABLE tags, TABLES IN SCHEMA feed;
         ALTER PUBLICATION shop DROP TABLE orders;
         ALTER PUBLICATION shop SET (publish = 'delete');
         CREATE PUBLICATION reset FOR TABLE orders, TABLES IN SCHEMA feed;
         ALTER PUBLICATION reset SET TABLE tags;`,
    );
    expect(catalog.publications.get('supabase_realtime')).toMatchObject({ publish: ['insert', 'update', 'delete', 'truncate'], tables: [{ table: { name: 'orders' } }] });
    expect(catalog.publications.get('shop')).toMatchObject({ publish: ['delete'], tables: [{ table: { name: 'tags' } }], schemas: ['feed'] });
    expect(catalog.publications.get('reset')).toMatchObject({ tables: [{ table: { name: 'tags' } }], schemas: [] });
  });

  it('follows renames, moves and drops of what publications name, and DROP / RENAME PUBLICATION', () => {
    const catalog = replay(
      BASE +
        `CREATE PUBLICATION shop FOR TABLE orders (id, note), tags, TABLES IN SCHEMA feed;
         CREATE PUBLICATION gone;`,
      `ALTER TABLE orders RENAME COLUMN note TO remark;
       ALTER TABLE orders RENAME TO purchases;
       DROP TABLE tags;
       ALTER SCHEMA feed RENAME TO stream;
       ALTER PUBLICATION shop RENAME TO store;
       DROP PUBLICATION IF EXISTS gone, never_was;`,
    );
    expect([...catalog.publications.keys()]).toEqual(['store']);
    expect(catalog.publications.get('store')).toMatchObject({ tables: [{ table: { schema: 'public', name: 'purchases' }, columns: ['id', 'remark'] }], schemas: ['stream'] });
  });

  it('dropping a column of a column list takes the table out of the publication (the CASCADE that let it run)', () => {
    const catalog = replay(BASE + 'CREATE PUBLICATION shop FOR TABLE orders (id, note), tags;', 'ALTER TABLE orders DROP COLUMN note CASCADE;');
    expect(catalog.publications.get('shop')?.tables.map((t) => t.table.name)).toEqual(['tags']);
  });
});

describe('replay: replica identity', () => {
  it('DEFAULT is the primary key; USING INDEX, FULL and NOTHING as set', () => {
    const catalog = replay(BASE, 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;\nALTER TABLE feed.items REPLICA IDENTITY FULL;');
    expect(identity(catalog, 'public.orders')).toEqual({ kind: 'key', columns: ['id'], index: 'orders_pkey', primaryKey: true });
    expect(identity(catalog, 'public.tags')).toEqual({ kind: 'key', columns: ['name'], index: 'tags_name_idx', primaryKey: false });
    expect(identity(catalog, 'feed.items')).toEqual({ kind: 'full' });
    const nothing = replay(BASE, 'ALTER TABLE orders REPLICA IDENTITY NOTHING;');
    expect(identity(nothing, 'public.orders')).toEqual({ kind: 'none', reason: 'nothing' });
    const back = replay(BASE, 'ALTER TABLE orders REPLICA IDENTITY NOTHING;', 'ALTER TABLE orders REPLICA IDENTITY DEFAULT;');
    expect(back.tables.get('public.orders')?.replicaIdentity).toBeUndefined();
  });

  it('is lost with the primary key or the identity index, and follows an index rename', () => {
    const renamed = replay(BASE, 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;\nALTER INDEX tags_name_idx RENAME TO tags_name_key;');
    expect(identity(renamed, 'public.tags')).toMatchObject({ kind: 'key', index: 'tags_name_key' });
    const dropped = replay(BASE, 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;', 'DROP INDEX tags_name_idx;');
    // PostgreSQL keeps relreplident = 'i' with no index: the table has no identity.
    expect(dropped.tables.get('public.tags')).toMatchObject({ replicaIdentity: 'index' });
    expect(identity(dropped, 'public.tags')).toEqual({ kind: 'none', reason: 'index dropped' });
    const byColumn = replay(BASE, 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;', 'ALTER TABLE tags DROP COLUMN name;');
    expect(identity(byColumn, 'public.tags')).toEqual({ kind: 'none', reason: 'index dropped' });
    const noKey = replay(BASE, 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;');
    expect(identity(noKey, 'public.orders')).toEqual({ kind: 'none', reason: 'no primary key' });
  });
});

/** `<severity> <line> <message>` of `rule` on the last file; the earlier ones build the schema. */
async function findingsOn(rule: string, ...history: string[]): Promise<string[]> {
  const sources = history.map((text, i) => ({ path: `migrations/${String(i + 1).padStart(4, '0')}_step.sql`, text, layout: 'native' as const }));
  const result = await lint({ sources, configFile: false });
  return result.findings.filter((f) => f.rule === rule && f.file === sources.at(-1)!.path).map((f) => `${f.severity} ${f.line} ${f.message}`);
}

const PUBLISHED = BASE + 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;\nCREATE PUBLICATION shop FOR TABLE orders, tags;\n';

describe('changing-replica-identity', () => {
  it.each([
    ['the primary key dropped', 'ALTER TABLE orders DROP CONSTRAINT orders_pkey;', /orders has no usable replica identity \(its primary key orders_pkey is dropped\) while publication shop publishes/],
    ['the identity index dropped', 'DROP INDEX tags_name_idx;', /tags has no usable replica identity \(its REPLICA IDENTITY USING INDEX index tags_name_idx is dropped\)/],
    ['the identity column dropped', 'ALTER TABLE tags DROP COLUMN name;', /tags has no usable replica identity/],
    ['REPLICA IDENTITY NOTHING', 'ALTER TABLE orders REPLICA IDENTITY NOTHING;', /\(REPLICA IDENTITY NOTHING\)/],
  ])('flags %s on a published table as an error', async (_, change, message) => {
    const findings = await findingsOn('changing-replica-identity', PUBLISHED, `-- pgtandem:contract\n${change}\n`);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^error 2 /);
    expect(findings[0]).toMatch(message);
  });

  it('says nothing for the same changes on a table no publication is known to publish', async () => {
    const history = BASE + 'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name_idx;\nCREATE PUBLICATION other FOR TABLE feed.items;\n';
    const change = '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nDROP INDEX tags_name_idx;\nALTER TABLE orders REPLICA IDENTITY FULL;\n';
    expect(await findingsOn('changing-replica-identity', history, change)).toEqual([]);
    expect(await findingsOn('changing-replica-identity', BASE, change)).toEqual([]);
  });

  it('says nothing when a publication publishes only inserts', async () => {
    const history = BASE + "CREATE PUBLICATION shop FOR TABLE orders WITH (publish = 'insert, truncate');\n";
    expect(await findingsOn('changing-replica-identity', history, '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n')).toEqual([]);
  });

  it('accepts a key replaced in the same transaction on the same columns, warns when the columns change', async () => {
    const same = '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);\n';
    expect(await findingsOn('changing-replica-identity', PUBLISHED, same)).toEqual([]);
    const other = '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (note);\n';
    const findings = await findingsOn('changing-replica-identity', PUBLISHED, other);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(/^warn 2 The replica identity of published table orders changes from \(id\) to \(note\)/);
  });

  it('flags a key dropped before a CONCURRENTLY build that restores it: the runner commits in between', async () => {
    const change =
      '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nCREATE UNIQUE INDEX CONCURRENTLY orders_id_idx ON orders (id);\n' +
      'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;\n';
    expect(await findingsOn('changing-replica-identity', PUBLISHED, change)).toEqual([expect.stringMatching(/^error 2 After this statement orders has no usable replica identity/)]);
  });

  it('warns on REPLICA IDENTITY FULL', async () => {
    const findings = await findingsOn('changing-replica-identity', PUBLISHED, '-- pgtandem:contract\nALTER TABLE orders REPLICA IDENTITY FULL;\n');
    expect(findings).toEqual([expect.stringMatching(/^warn 2 REPLICA IDENTITY FULL on orders, published by publication shop: every UPDATE and DELETE then writes the whole old row to WAL/)]);
  });

  it('flags a key change the publication column list does not cover', async () => {
    const history = BASE + 'CREATE PUBLICATION narrow FOR TABLE orders (id, total);\n';
    const findings = await findingsOn('changing-replica-identity', history, '-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD PRIMARY KEY (note);\n');
    expect(findings).toEqual([expect.stringMatching(/^error 2 .*the column list of publication narrow leaves out note of its replica identity/)]);
  });

  it('flags publishing tables without an identity: ADD TABLE, FOR ALL TABLES, and a new table under FOR ALL TABLES unless the section adds its key', async () => {
    const history = BASE + 'CREATE TABLE logs (at timestamptz, line text);\n';
    expect(await findingsOn('changing-replica-identity', history, 'ALTER PUBLICATION supabase_realtime ADD TABLE logs, orders;\n')).toEqual([
      expect.stringMatching(/^error 1 This publishes updates or deletes of a table without a usable replica identity: logs \(no primary key\)\./),
    ]);
    expect(await findingsOn('changing-replica-identity', history, 'CREATE PUBLICATION everything FOR ALL TABLES;\n')).toEqual([
      expect.stringMatching(/of tables without a usable replica identity: tags \(no primary key\), logs \(no primary key\)/),
    ]);
    const everything = BASE + 'CREATE PUBLICATION everything FOR ALL TABLES;\n';
    expect(await findingsOn('changing-replica-identity', everything, 'CREATE TABLE logs (at timestamptz, line text);\n')).toEqual([expect.stringMatching(/^error 1 After this statement logs has no usable replica identity \(no primary key\)/)]);
    expect(await findingsOn('changing-replica-identity', everything, 'CREATE TABLE logs (at timestamptz NOT NULL, line text);\nALTER TABLE logs ADD PRIMARY KEY (at);\n')).toEqual([]);
    expect(await findingsOn('changing-replica-identity', everything, 'CREATE TABLE logs (id bigint PRIMARY KEY);\n')).toEqual([]);
  });
  it('leaves out new tables FOR ALL TABLES does not publish or that may get a key it cannot see: temporary, unlogged, LIKE', async () => {
    const everything = BASE + 'CREATE PUBLICATION everything FOR ALL TABLES;\n';
    const change = 'CREATE TEMPORARY TABLE t1 (v int);\nCREATE UNLOGGED TABLE t2 (v int);\nCREATE TABLE t3 (LIKE orders INCLUDING ALL);\nCREATE TABLE t4 (v int);\n';
    expect(await findingsOn('changing-replica-identity', everything, change)).toEqual([expect.stringMatching(/^error 4 After this statement t4 has no usable replica identity/)]);
  });
});

describe('changing-published-column', () => {
  it('warns on a type change and a rename of a published column, names the publications', async () => {
    const change = '-- pgtandem:contract\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\nALTER TABLE orders RENAME COLUMN note TO remark;\n';
    expect(await findingsOn('changing-published-column', PUBLISHED, change)).toEqual([
      expect.stringMatching(/^warn 2 Changing the type of column total of orders from numeric to bigint, published by publication shop: subscribers convert/),
      expect.stringMatching(/^warn 3 Renaming column note of orders to remark, published by publication shop: subscribers match columns by name/),
    ]);
  });

  it('follows column lists: a column outside the list is not published; dropping one inside is an error', async () => {
    const history = BASE + 'CREATE PUBLICATION narrow FOR TABLE orders (id, total);\n';
    expect(await findingsOn('changing-published-column', history, '-- pgtandem:contract\nALTER TABLE orders RENAME COLUMN note TO remark;\nALTER TABLE orders DROP COLUMN note;\n')).toEqual([]);
    expect(await findingsOn('changing-published-column', history, '-- pgtandem:contract\nALTER TABLE orders DROP COLUMN total;\n')).toEqual([
      expect.stringMatching(/^error 2 Dropping column total of orders, named in the column list of publication narrow: PostgreSQL refuses/),
    ]);
  });

  it('says nothing without a known publication, for an unchanged type, or for a column this migration added', async () => {
    const change = '-- pgtandem:contract\nALTER TABLE orders ALTER COLUMN total TYPE bigint;\nALTER TABLE orders RENAME COLUMN note TO remark;\n';
    expect(await findingsOn('changing-published-column', BASE, change)).toEqual([]);
    expect(
      await findingsOn('changing-published-column', PUBLISHED, 'CREATE TABLE notes (id int, body text);\nALTER TABLE orders ALTER COLUMN total TYPE numeric;\nALTER TABLE notes ADD COLUMN extra int;\nALTER TABLE notes ALTER COLUMN extra TYPE bigint;\n'),
    ).toEqual([]);
  });

  it('warns on a column added to a table a publication sends in full (every subscriber must have it first)', async () => {
    expect(await findingsOn('changing-published-column', PUBLISHED, '-- pgtandem:expand\nALTER TABLE orders ADD COLUMN discount numeric, ADD COLUMN IF NOT EXISTS note text;\n')).toEqual([
      expect.stringMatching(/^warn 2 Adding column discount to orders, published by publication shop: the next row change of orders carries it, and a subscriber whose table has no discount refuses it/),
    ]);
    const everything = BASE + 'CREATE PUBLICATION everything FOR ALL TABLES;\n';
    expect(await findingsOn('changing-published-column', everything, 'ALTER TABLE feed.items ADD COLUMN sku text;\n')).toEqual([expect.stringMatching(/^warn 1 Adding column sku to feed\.items, published by publication everything/)]);
  });

  it('says nothing for a column added outside a column list, to a table created in the same migration, or to one published for TRUNCATE only', async () => {
    expect(await findingsOn('changing-published-column', BASE + 'CREATE PUBLICATION narrow FOR TABLE orders (id, total);\n', 'ALTER TABLE orders ADD COLUMN discount numeric;\n')).toEqual([]);
    expect(await findingsOn('changing-published-column', BASE + "CREATE PUBLICATION wipes FOR TABLE orders WITH (publish = 'truncate');\n", 'ALTER TABLE orders ADD COLUMN discount numeric;\n')).toEqual([]);
    expect(await findingsOn('changing-published-column', BASE + 'CREATE PUBLICATION everything FOR ALL TABLES;\n', 'CREATE TABLE notes (id int);\nALTER TABLE notes ADD COLUMN body text;\n')).toEqual([]);
  });

  it('leaves alone the publications a change-data-capture service reads (Supabase Realtime, Debezium)', async () => {
    const history = BASE + 'CREATE PUBLICATION supabase_realtime;\nALTER PUBLICATION supabase_realtime ADD TABLE orders;\nCREATE PUBLICATION dbz_publication FOR TABLE tags;\n';
    expect(await findingsOn('changing-published-column', history, 'ALTER TABLE orders ADD COLUMN discount numeric;\nALTER TABLE orders RENAME COLUMN note TO remark;\nALTER TABLE tags ADD COLUMN color text;\n')).toEqual([]);
    expect(await findingsOn('changing-published-column', history + 'CREATE PUBLICATION shop FOR TABLE orders;\n', 'ALTER TABLE orders ADD COLUMN discount numeric;\n')).toEqual([
      expect.stringMatching(/^warn 1 Adding column discount to orders, published by publication shop:/),
    ]);
  });
});
