import { beforeAll, describe, expect, it } from 'vitest';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { Catalog } from '../../src/schema/catalog.js';
import { replayMigrations } from '../../src/schema/replay-catalog.js';
import { loadParser } from '../../src/sql/pg-parser.js';

/** Native migration files, versions 0001, 0002, … in the order given. */
function replay(files: string[], start?: Catalog): Catalog {
  const migrations = files.map((text, i) => readMigrationSource(`migrations/${String(i + 1).padStart(4, '0')}_step.sql`, text, {}, 'native'));
  return replayMigrations(migrations, start ? { catalog: start } : {});
}

/** What a case checks: `table s.t`, `index s.i`, `enum s.e`, `view s.v`, `sequence s.q`, or `absent <kind> s.n`. */
function lookup(catalog: Catalog, what: string): unknown {
  const [kind, key] = what.split(' ') as [string, string];
  const maps: Record<string, Map<string, unknown>> = {
    table: catalog.tables,
    index: catalog.indexes,
    enum: catalog.enums,
    view: catalog.views,
    sequence: catalog.sequences,
  };
  if (kind === 'schemas') return [...catalog.schemas].sort();
  return maps[kind]!.get(key);
}

interface Case {
  name: string;
  history: string[];
  /** What is looked up in the replayed catalog. */
  object: string;
  /** Matched with toMatchObject; `undefined` means the object must not exist. */
  expected: unknown;
}

const CASES: Case[] = [
  {
    name: 'CREATE TABLE: format_type names, serial default and sequence, NOT NULL, generated constraint names',
    history: [
      `CREATE TABLE users (
         id serial PRIMARY KEY,
         email varchar(255) NOT NULL UNIQUE,
         tags text[] DEFAULT '{}',
         score numeric(10,2) DEFAULT 0,
         ratio double precision,
         code char(3),
         created_at timestamptz NOT NULL DEFAULT now(),
         seen timestamp(3),
         at time,
         big bigserial,
         active boolean DEFAULT true,
         status text DEFAULT 'new',
         CHECK (score >= 0)
       );`,
    ],
    object: 'table public.users',
    expected: {
      kind: 'table',
      columns: [
        { name: 'id', type: 'integer', notNull: true, default: "nextval('users_id_seq'::regclass)", defaultVolatile: true },
        { name: 'email', type: 'character varying(255)', notNull: true },
        { name: 'tags', type: 'text[]', notNull: false, default: "'{}'::text[]" },
        { name: 'score', type: 'numeric(10,2)', default: '0', defaultVolatile: false },
        { name: 'ratio', type: 'double precision' },
        { name: 'code', type: 'character(3)' },
        { name: 'created_at', type: 'timestamp with time zone', notNull: true, default: 'now()', defaultVolatile: false },
        { name: 'seen', type: 'timestamp(3) without time zone' },
        { name: 'at', type: 'time without time zone' },
        { name: 'big', type: 'bigint', notNull: true, default: "nextval('users_big_seq'::regclass)" },
        { name: 'active', type: 'boolean', default: 'true' },
        { name: 'status', type: 'text', default: "'new'::text" },
      ],
      constraints: [
        { name: 'users_pkey', kind: 'primary key', columns: ['id'], validated: true, index: 'users_pkey' },
        { name: 'users_email_key', kind: 'unique', columns: ['email'], index: 'users_email_key' },
        { name: 'users_score_check', kind: 'check', columns: ['score'], validated: true },
      ],
    },
  },
  {
    name: 'serial: the sequence is owned by its column',
    history: ['CREATE TABLE users (id serial PRIMARY KEY);'],
    object: 'sequence public.users_id_seq',
    expected: { ownedBy: { table: { schema: 'public', name: 'users' }, column: 'id' } },
  },
  {
    name: 'generated names are truncated to 63 bytes as Postgres does',
    history: [`CREATE TABLE ${'a'.repeat(40)} (${'b'.repeat(40)} int UNIQUE);`],
    object: `table public.${'a'.repeat(40)}`,
    expected: { constraints: [{ name: `${'a'.repeat(29)}_${'b'.repeat(29)}_key` }] },
  },
  {
    name: 'foreign keys: generated name, referenced table and its primary key columns, NOT VALID then VALIDATE',
    history: [
      'CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);',
      'ALTER TABLE orders ADD COLUMN buyer_id bigint;\nALTER TABLE orders ADD FOREIGN KEY (buyer_id) REFERENCES users (id) NOT VALID;',
      '-- pgtandem:contract\nALTER TABLE orders VALIDATE CONSTRAINT orders_buyer_id_fkey;',
    ],
    object: 'table public.orders',
    expected: {
      constraints: [
        { name: 'orders_pkey' },
        { name: 'orders_user_id_fkey', kind: 'foreign key', columns: ['user_id'], validated: true, references: { table: { schema: 'public', name: 'users' }, columns: ['id'] } },
        { name: 'orders_buyer_id_fkey', validated: true },
      ],
    },
  },
  {
    name: 'a CHECK (col IS NOT NULL) added NOT VALID is unvalidated and says which column it proves',
    history: ['CREATE TABLE users (id int, email text);', 'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;'],
    object: 'table public.users',
    expected: { constraints: [{ name: 'users_email_nn', kind: 'check', validated: false, isNotNullCheckOf: 'email', columns: ['email'] }] },
  },
  {
    name: 'ALTER TABLE: type, SET/DROP NOT NULL, SET/DROP DEFAULT, DROP COLUMN',
    history: [
      'CREATE TABLE t (a int, b varchar(10), c text DEFAULT \'x\', d int NOT NULL);',
      'ALTER TABLE t ALTER COLUMN a TYPE bigint, ALTER COLUMN b TYPE text, ALTER COLUMN a SET NOT NULL, ALTER COLUMN c DROP DEFAULT, ALTER COLUMN d DROP NOT NULL, ALTER COLUMN b SET DEFAULT \'y\';',
      'ALTER TABLE t DROP COLUMN d;',
    ],
    object: 'table public.t',
    expected: {
      columns: [
        { name: 'a', type: 'bigint', notNull: true },
        { name: 'b', type: 'text', default: "'y'::text" },
        { name: 'c', type: 'text' },
      ],
    },
  },
  {
    name: 'an index built CONCURRENTLY, then adopted by a constraint with USING INDEX (renamed to the constraint)',
    history: [
      'CREATE TABLE users (id bigint, email text);',
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_uniq ON users (email);',
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uniq;',
    ],
    object: 'index public.users_email_key',
    expected: { unique: true, valid: true, columns: ['email'], table: { schema: 'public', name: 'users' } },
  },
  {
    name: 'unnamed indexes: <table>_<cols>_idx, expression keys named after the function, partial',
    history: ['CREATE TABLE t (a int, b text);', 'CREATE INDEX ON t (lower(b), a) WHERE a > 0;'],
    object: 'index public.t_lower_a_idx',
    expected: { unique: false, partial: true, columns: ['(lower(b))', 'a'], method: 'btree' },
  },
  {
    name: 'RENAME COLUMN follows into keys and indexes; RENAME TABLE moves its indexes',
    history: ['CREATE TABLE t (a int PRIMARY KEY);', 'ALTER TABLE t RENAME COLUMN a TO b;\nALTER TABLE t RENAME TO u;'],
    object: 'index public.t_pkey',
    expected: { table: { schema: 'public', name: 'u' }, columns: ['b'] },
  },
  {
    name: 'DROP TABLE drops its indexes and the sequences it owns',
    history: ['CREATE TABLE t (id serial PRIMARY KEY);', 'DROP TABLE t;'],
    object: 'sequence public.t_id_seq',
    expected: undefined,
  },
  {
    name: 'enums: CREATE TYPE, ADD VALUE BEFORE/AFTER, RENAME VALUE, used as a column type',
    history: [
      "CREATE TYPE mood AS ENUM ('sad', 'happy');",
      "ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';\nALTER TYPE mood ADD VALUE IF NOT EXISTS 'ecstatic' AFTER 'happy';\nALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
    ],
    object: 'enum public.mood',
    expected: { values: ['blue', 'ok', 'happy', 'ecstatic'] },
  },
  {
    name: 'user types: unqualified in public, schema-qualified elsewhere (as format_type shows them)',
    history: ["CREATE SCHEMA billing;\nCREATE TYPE billing.state AS ENUM ('a');\nCREATE TYPE mood AS ENUM ('x');", 'CREATE TABLE t (m mood, s billing.state, ms mood[]);'],
    object: 'table public.t',
    expected: { columns: [{ type: 'mood' }, { type: 'billing.state' }, { type: 'mood[]' }] },
  },
  {
    name: 'SET search_path: unqualified names go to its first schema, per session',
    history: ['CREATE SCHEMA app;', 'SET search_path TO app, public;\nCREATE TABLE t (id int);\nCREATE INDEX ON t (id);'],
    object: 'index app.t_id_idx',
    expected: { table: { schema: 'app', name: 't' } },
  },
  {
    name: 'abort sections are not part of the history',
    history: ['CREATE TABLE t (id int);\n-- pgtandem:abort\nDROP TABLE t;'],
    object: 'table public.t',
    expected: { name: 't' },
  },
  {
    name: 'DO blocks: their statements are replayed',
    history: ["DO $$ BEGIN\n  CREATE TABLE t (id int);\nEXCEPTION WHEN duplicate_table THEN NULL;\nEND $$;"],
    object: 'table public.t',
    expected: { columns: [{ name: 'id', type: 'integer' }] },
  },
  {
    name: 'views: the tables and columns they read; * reads all',
    history: [
      'CREATE TABLE users (id int, email text, name text);\nCREATE TABLE orders (id int, user_id int);',
      'CREATE VIEW v AS SELECT u.email, o.id FROM users u JOIN orders o ON o.user_id = u.id;',
    ],
    object: 'view public.v',
    expected: {
      materialized: false,
      dependsOn: [
        { table: { schema: 'public', name: 'users' }, columns: expect.arrayContaining(['email', 'id']) },
        { table: { schema: 'public', name: 'orders' }, columns: expect.arrayContaining(['id', 'user_id']) },
      ],
    },
  },
  {
    name: 'materialized view with SELECT *',
    history: ['CREATE TABLE users (id int);', 'CREATE MATERIALIZED VIEW mv AS SELECT * FROM users;'],
    object: 'view public.mv',
    expected: { materialized: true, dependsOn: [{ table: { schema: 'public', name: 'users' } }] },
  },
  {
    name: 'partitions: PARTITION BY and PARTITION OF, with the parent key copied and named after the partition',
    history: [
      'CREATE TABLE events (id bigint, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);',
      "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    ],
    object: 'table public.events_2026',
    expected: {
      kind: 'table',
      partitionOf: { schema: 'public', name: 'events' },
      columns: [{ name: 'id', type: 'bigint', notNull: true }, { name: 'at', type: 'date', notNull: true }],
      constraints: [{ name: 'events_2026_pkey', kind: 'primary key', columns: ['id', 'at'] }],
    },
  },
  {
    name: 'identity columns: NOT NULL, always / by default',
    history: ['CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY, n int);', 'ALTER TABLE t ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY;'],
    object: 'table public.t',
    expected: { columns: [{ name: 'id', notNull: true, identity: 'always' }, { name: 'n', notNull: true, identity: 'by default' }] },
  },
  {
    name: 'statements about unknown objects change nothing and do not throw',
    history: ['ALTER TABLE nowhere ADD COLUMN x int;\nDROP INDEX nothing;\nALTER TABLE nowhere RENAME COLUMN a TO b;\nCREATE INDEX ON nowhere (a);\nALTER TYPE nope ADD VALUE \'x\';'],
    object: 'table public.nowhere',
    expected: undefined,
  },
  {
    name: 'DROP SCHEMA … CASCADE drops what is in it',
    history: ['CREATE SCHEMA s;\nCREATE TABLE s.t (id int);', 'DROP SCHEMA s CASCADE;'],
    object: 'table s.t',
    expected: undefined,
  },
  {
    name: 'SET SCHEMA moves a table with its indexes',
    history: ['CREATE SCHEMA archive;\nCREATE TABLE t (id int PRIMARY KEY);', 'ALTER TABLE t SET SCHEMA archive;'],
    object: 'index archive.t_pkey',
    expected: { table: { schema: 'archive', name: 't' } },
  },
  {
    name: 'generated names as the dev Postgres 18 gave them: checks on several columns, multi-column keys and foreign keys',
    history: ['CREATE TABLE u (x int, y int, UNIQUE (x, y));\nCREATE TABLE t (a int, b int, CHECK (a > b), CHECK (a > 0 AND a < 10), UNIQUE (a, b));', 'ALTER TABLE t ADD FOREIGN KEY (a, b) REFERENCES u (x, y);'],
    object: 'table public.t',
    expected: {
      constraints: [
        { name: 't_check', kind: 'check', columns: ['a', 'b'] },
        { name: 't_a_check', kind: 'check', columns: ['a'] },
        { name: 't_a_b_key', kind: 'unique', columns: ['a', 'b'] },
        { name: 't_a_b_fkey', kind: 'foreign key', references: { table: { schema: 'public', name: 'u' }, columns: ['x', 'y'] } },
      ],
    },
  },
  {
    name: 'defaults as pg_get_expr prints them (measured on Postgres 18)',
    history: [
      "CREATE TABLE t2 (v varchar(5) DEFAULT NULL, w text DEFAULT NULL, bb boolean DEFAULT 'yes', n numeric(5,2) DEFAULT -1.5, i int DEFAULT -3, big bigint DEFAULT '7', z bigint DEFAULT 0, d double precision DEFAULT 0.5, tags text[] DEFAULT ARRAY[]::text[], labels text[] DEFAULT ARRAY['a']);",
    ],
    object: 'table public.t2',
    expected: {
      columns: [
        { name: 'v', default: 'NULL::character varying' },
        // DEFAULT NULL on text: nothing stored.
        { name: 'w', type: 'text', notNull: false },
        { name: 'bb', default: 'true' },
        { name: 'n', default: "'-1.5'::numeric" },
        { name: 'i', default: "'-3'::integer" },
        { name: 'big', default: "'7'::bigint" },
        { name: 'z', default: '0' },
        { name: 'd', default: '0.5' },
        { name: 'tags', default: 'ARRAY[]::text[]' },
        { name: 'labels', default: "ARRAY['a'::text]" },
      ],
    },
  },
  {
    name: 'an enum renamed after a swap: the columns follow the type (CREATE new, ALTER TYPE USING, DROP old, RENAME)',
    history: [
      "CREATE TYPE status AS ENUM ('a');\nCREATE TABLE t (s status DEFAULT 'a');",
      "CREATE TYPE status_new AS ENUM ('a', 'b');\nALTER TABLE t ALTER COLUMN s DROP DEFAULT, ALTER COLUMN s TYPE status_new USING s::text::status_new, ALTER COLUMN s SET DEFAULT 'a';\nDROP TYPE status;\nALTER TYPE status_new RENAME TO status;",
    ],
    object: 'table public.t',
    expected: { columns: [{ name: 's', type: 'status', default: "'a'::status" }] },
  },
  {
    name: 'ATTACH PARTITION gives the partition its copy of the parent index, named after itself',
    history: ['CREATE TABLE p (id int, k int) PARTITION BY LIST (k);\nCREATE INDEX ON p (id);\nCREATE TABLE p1 (id int, k int);\nCREATE UNIQUE INDEX p1_uq ON p1 (id, k);', 'ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1);'],
    object: 'index public.p1_id_idx',
    expected: { table: { schema: 'public', name: 'p1' }, columns: ['id'], unique: false },
  },
  {
    name: 'RENAME CONSTRAINT renames the index of a key',
    history: ['CREATE TABLE t (id int PRIMARY KEY);', 'ALTER TABLE t RENAME CONSTRAINT t_pkey TO t_id_pk;'],
    object: 'index public.t_id_pk',
    expected: { primary: true },
  },
];

describe('catalog replay', () => {
  beforeAll(async () => {
    await loadParser();
  });

  it.each(CASES)('$name', ({ history, object, expected }) => {
    const found = lookup(replay(history), object);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected as object);
  });

  it('DEFAULT NULL without a length coercion stores no default', () => {
    const catalog = replay(['CREATE TABLE t (w text DEFAULT NULL);']);
    expect(catalog.table({ schema: undefined, name: 't' })?.columns[0]).toEqual({ name: 'w', type: 'text', notNull: false });
  });

  it('DROP COLUMN drops a view that reads it (CASCADE), and keeps one that does not', () => {
    const catalog = replay([
      'CREATE TABLE users (id int, email text, name text);',
      'CREATE VIEW emails AS SELECT email FROM users;\nCREATE VIEW names AS SELECT name FROM users;',
      'ALTER TABLE users DROP COLUMN email CASCADE;',
    ]);
    expect([...catalog.views.keys()]).toEqual(['public.names']);
  });

  it('starts from a given catalog without changing it', () => {
    const start = replay(['CREATE TABLE t (id int);']);
    const after = replay(['ALTER TABLE t ADD COLUMN n text NOT NULL;'], start);
    expect(after.table({ schema: undefined, name: 't' })?.columns.map((c) => c.name)).toEqual(['id', 'n']);
    expect(start.table({ schema: undefined, name: 't' })?.columns.map((c) => c.name)).toEqual(['id']);
  });

  it('a second unnamed key on the same columns gets a numbered name, as Postgres picks it', () => {
    const catalog = replay(['CREATE TABLE t (a int UNIQUE);', 'ALTER TABLE t ADD UNIQUE (a);\nCREATE INDEX ON t (a);\nCREATE INDEX ON t (a);']);
    expect([...catalog.indexes.keys()]).toEqual(['public.t_a_key', 'public.t_a_key1', 'public.t_a_idx', 'public.t_a_idx1']);
  });
});
