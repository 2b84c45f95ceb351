import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgtandemConfig } from '../../src/lint/config.js';
import { lintHistory } from '../../src/lint/history.js';
import { lint } from '../../src/lint/lint.js';
import { discoverMigrations, readMigrationSource } from '../../src/migrations/discover.js';
import { replayMigrations } from '../../src/schema/replay-catalog.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import type { Layout } from '../../src/migrations/migration.js';

interface Options {
  config?: Partial<PgtandemConfig>;
  layout?: Layout;
}

/**
 * Lints a history of native migrations (0001, 0002, … in order) and returns the
 * findings of `rule` on the LAST file — the change under test — as
 * `<severity> <line>:<column> <message>`. The earlier files only build the schema.
 */
async function findingsOn(rule: string, history: string[], { config, layout = 'native' }: Options = {}): Promise<string[]> {
  const sources = history.map((text, i) => ({ path: `migrations/${String(i + 1).padStart(4, '0')}_step.sql`, text, layout }));
  const result = await lint({ sources, configFile: false, ...(config ? { config } : {}) });
  const last = sources.at(-1)!.path;
  return result.findings.filter((f) => f.rule === rule && f.file === last).map((f) => `${f.severity} ${f.line}:${f.column} ${f.message}`);
}

const ORDERS = 'CREATE TABLE orders (id bigint PRIMARY KEY, quantity integer, code varchar(20), note varchar(50), total numeric(10,2), net cidr, placed_at timestamp, flag char(1));\nCREATE INDEX orders_code_idx ON orders (code);\n';

describe('changing-column-type with the history', () => {
  const safe: [string, string][] = [
    ['code', 'varchar(40)'],
    ['code', 'text'],
    ['code', 'varchar'],
    ['total', 'numeric(12,2)'],
    ['total', 'numeric'],
    ['net', 'inet'],
    ['quantity', 'int4'],
  ];
  it.each(safe)('no finding: %s → %s changes no row and keeps the indexes', async (column, type) => {
    expect(await findingsOn('changing-column-type', [ORDERS, `ALTER TABLE orders ALTER COLUMN ${column} TYPE ${type};\n`])).toEqual([]);
  });

  const rewrites: [string, string, string][] = [
    ['quantity', 'bigint', 'integer'],
    ['code', 'varchar(10)', 'character varying(20)'],
    ['total', 'numeric(12,3)', 'numeric(10,2)'],
    ['flag', 'text', 'character(1)'],
    ['placed_at', 'timestamptz', 'timestamp without time zone'],
  ];
  it.each(rewrites)('a rewrite: %s → %s, naming the table, its index count and the old type', async (column, type, old) => {
    const [finding, ...rest] = await findingsOn('changing-column-type', [ORDERS, `ALTER TABLE orders ALTER COLUMN ${column} TYPE ${type};\n`]);
    expect(rest).toEqual([]);
    expect(finding).toMatch(/^error 1:20 /);
    expect(finding).toContain(`from ${old} to`);
    expect(finding).toContain('rewrites orders and its 2 indexes under an ACCESS EXCLUSIVE lock');
  });

  it('timestamp → timestamptz with TimeZone UTC on PostgreSQL 12+: a warning that the indexes are still rebuilt', async () => {
    const history = [ORDERS + 'CREATE INDEX orders_placed_at_idx ON orders (placed_at);\n', "SET TIME ZONE 'UTC';\nALTER TABLE orders ALTER COLUMN placed_at TYPE timestamptz;\n"];
    expect(await findingsOn('changing-column-type', history, { config: { pgVersion: 17 } })).toEqual([
      'warn 2:20 Changing the type of column placed_at of orders from timestamp without time zone to timestamp with time zone skips the table rewrite (TimeZone is UTC, PostgreSQL 17 ≥ 12), but rebuilds its 1 index under an ACCESS EXCLUSIVE lock on orders: reads and writes wait until they are built.',
    ]);
    // No index on the column: nothing is rebuilt, nothing to say.
    expect(await findingsOn('changing-column-type', [ORDERS, history[1]!])).toEqual([]);
    const [before12] = await findingsOn('changing-column-type', history, { config: { pgVersion: 11 } });
    expect(before12).toMatch(/^error 2:20 .*rewrites orders/);
  });

  it('an error when a view the catalog knows reads the column: PostgreSQL refuses', async () => {
    const history = [ORDERS, 'CREATE VIEW big_orders AS SELECT id, quantity FROM orders WHERE quantity > 100;\n', 'ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n'];
    expect(await findingsOn('changing-column-type', history)).toEqual([
      'error 1:20 Changing the type of column quantity of orders from integer to bigint fails: PostgreSQL refuses to alter the type of a column that a view (big_orders) uses.',
    ]);
    // The view reads other columns only: the change is judged on its own.
    const other = [ORDERS, 'CREATE VIEW notes AS SELECT id, note FROM orders;\n', 'ALTER TABLE orders ALTER COLUMN code TYPE text;\n'];
    expect(await findingsOn('changing-column-type', other)).toEqual([]);
  });

  it('a table the history does not know keeps the statement-only verdict', async () => {
    const [finding] = await findingsOn('changing-column-type', [ORDERS, 'ALTER TABLE invoices ALTER COLUMN code TYPE text;\n']);
    expect(finding).toContain('assumed, because the old type is unknown here');
  });

  it('a single file linted on its own sees nothing of the others (no history given)', async () => {
    const [finding] = await findingsOn('changing-column-type', ['ALTER TABLE orders ALTER COLUMN code TYPE text;\n']);
    expect(finding).toContain('assumed');
  });
});

describe('adding-not-nullable-field with the history', () => {
  const check = 'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n';
  const users = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n';

  it('no finding once an earlier migration validated CHECK (col IS NOT NULL), on PostgreSQL 12+', async () => {
    const history = [users, check, 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n'];
    expect(await findingsOn('adding-not-nullable-field', history)).toEqual([]);
    expect(await findingsOn('adding-not-nullable-field', history, { config: { pgVersion: 11 } })).toHaveLength(1);
  });

  it('a finding while the check is still NOT VALID', async () => {
    expect(await findingsOn('adding-not-nullable-field', [users, check, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n'])).toHaveLength(1);
  });

  it('no finding when the column is already NOT NULL', async () => {
    expect(await findingsOn('adding-not-nullable-field', ['CREATE TABLE users (id bigint, email text NOT NULL);\n', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n'])).toEqual([]);
  });
});

describe('ban-drop-default with the history', () => {
  const orders = "CREATE TABLE orders (id bigint, status text NOT NULL DEFAULT 'new', channel text DEFAULT 'web', note text);\n";

  it('says INSERTs fail when the column is NOT NULL', async () => {
    const [finding] = await findingsOn('ban-drop-default', [orders, 'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\n']);
    expect(finding).toContain('now fail: status is NOT NULL');
  });

  it('says NULL is stored when the column is nullable', async () => {
    const [finding] = await findingsOn('ban-drop-default', [orders, 'ALTER TABLE orders ALTER COLUMN channel DROP DEFAULT;\n']);
    expect(finding).toContain('now store NULL instead of the default');
  });

  it('no finding when the column has no default to drop', async () => {
    expect(await findingsOn('ban-drop-default', [orders, 'ALTER TABLE orders ALTER COLUMN note DROP DEFAULT;\n'])).toEqual([]);
  });
});

describe('adding-required-field with the history', () => {
  it('ADD COLUMN IF NOT EXISTS of a column the table has adds nothing', async () => {
    const history = ['CREATE TABLE users (id bigint, email text NOT NULL);\n', 'ALTER TABLE users ADD COLUMN IF NOT EXISTS email text NOT NULL;\n'];
    expect(await findingsOn('adding-required-field', history)).toEqual([]);
    expect(await findingsOn('adding-required-field', [history[0]!, 'ALTER TABLE users ADD COLUMN IF NOT EXISTS name text NOT NULL;\n'])).toHaveLength(1);
  });
});

describe('constraints USING INDEX, checked against the history', () => {
  const users = 'CREATE TABLE users (id bigint NOT NULL, email text, nick text);\n';

  it('no finding for a unique index built CONCURRENTLY in an earlier migration', async () => {
    const history = [users, 'CREATE UNIQUE INDEX CONCURRENTLY users_email_uniq ON users (email);\n', 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uniq;\n'];
    expect(await findingsOn('disallowed-unique-constraint', history)).toEqual([]);
  });

  it('an error when the index does not exist or is not unique', async () => {
    const missing = await findingsOn('disallowed-unique-constraint', [users, 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_uniq;\n']);
    expect(missing).toEqual([
      'error 1:19 USING INDEX users_email_uniq fails: no index users_email_uniq on users exists at this point of the migrations — build it first (CREATE UNIQUE INDEX CONCURRENTLY, in an earlier migration or statement).',
    ]);
    const plain = await findingsOn('disallowed-unique-constraint', [users, 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n', 'ALTER TABLE users ADD UNIQUE USING INDEX users_email_idx;\n']);
    expect(plain).toEqual(['error 1:19 USING INDEX users_email_idx fails: users_email_idx is not a unique index.']);
  });

  it('a primary key USING INDEX: no finding on NOT NULL columns; a scan warning on nullable ones', async () => {
    const byId = [users, 'CREATE UNIQUE INDEX CONCURRENTLY users_id_uniq ON users (id);\n', 'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_uniq;\n'];
    expect(await findingsOn('adding-serial-primary-key-field', byId)).toEqual([]);
    const byNick = [users, 'CREATE UNIQUE INDEX CONCURRENTLY users_nick_uniq ON users (nick);\n', 'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_nick_uniq;\n'];
    const [finding] = await findingsOn('adding-serial-primary-key-field', byNick);
    expect(finding).toMatch(/^error 1:19 Adding the primary key USING INDEX users_nick_uniq sets nick NOT NULL, which scans users under an ACCESS EXCLUSIVE lock/);
  });

  it('a table the history does not know: nothing to say', async () => {
    expect(await findingsOn('disallowed-unique-constraint', [users, 'ALTER TABLE accounts ADD UNIQUE USING INDEX accounts_email_uniq;\n'])).toEqual([]);
  });
});

describe('dropping a foreign key locks both tables', () => {
  it('require-lock-timeout names the referenced table the catalog knows', async () => {
    const history = ['CREATE TABLE users (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, user_id bigint REFERENCES users);\n', 'ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\n'];
    const [finding] = await findingsOn('require-lock-timeout', history, { layout: 'plain' });
    expect(finding).toContain('This takes ACCESS EXCLUSIVE on orders and users without lock_timeout');
  });
});

describe('history order', () => {
  it('abort sees the catalog as expand left it, and is not part of the history', async () => {
    const history = [
      'CREATE TABLE orders (id bigint, code varchar(20));\n',
      // Expand widens the column; abort narrows it back (a rewrite, judged from varchar(40)); contract does not run before abort.
      'ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);\n-- pgtandem:abort\nALTER TABLE orders ALTER COLUMN code TYPE varchar(20);\n',
      'ALTER TABLE orders ALTER COLUMN code TYPE varchar(60);\n',
    ];
    const sources = history.map((text, i) => ({ path: `migrations/000${i + 1}_step.sql`, text, layout: 'native' as const }));
    const result = await lint({ sources, configFile: false });
    const found = result.findings.filter((f) => f.rule === 'changing-column-type').map((f) => `${f.file} ${f.phase} ${f.message.split(' rewrites')[0]}`);
    expect(found).toEqual(['migrations/0002_step.sql abort Changing the type of column code of orders from character varying(40) to character varying(20)']);
  });
});

describe('history on disk', () => {
  const files: Record<string, string> = {
    '0001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, code varchar(20));\n',
    '0002_widen.sql': 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);\n',
    '0003_text.sql': 'ALTER TABLE orders ALTER COLUMN code TYPE text;\n',
  };
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgtandem-history-'));
    await mkdir(join(dir, 'migrations'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'migrations', name), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a file named on its own is linted after the earlier migrations of its directory are replayed', async () => {
    const result = await lint({ paths: ['migrations/0002_widen.sql'], cwd: dir, configFile: false });
    expect(result.files.map((f) => f.path)).toEqual([join(dir, 'migrations/0002_widen.sql')]);
    expect(result.findings.filter((f) => f.rule === 'changing-column-type')).toEqual([]);
    // As the CLI runs it: a path relative to the working directory.
    const fromHere = await lint({ paths: [relative(process.cwd(), join(dir, 'migrations/0003_text.sql'))], configFile: false });
    expect(fromHere.files).toHaveLength(1);
    expect(fromHere.findings.filter((f) => f.rule === 'changing-column-type')).toEqual([]);
  });

  it('a directory: each file sees the ones before it', async () => {
    const result = await lint({ paths: ['migrations'], cwd: dir, configFile: false });
    expect(result.files).toHaveLength(3);
    expect(result.findings.filter((f) => f.rule === 'changing-column-type')).toEqual([]);
  });

  it('selected files (--since, --staged): the others before them are replayed, not linted', async () => {
    const discovered = (await discoverMigrations([join(dir, 'migrations')])).migrations;
    const steps = await lintHistory(discovered, new Set([discovered[1]!]), [join(dir, 'migrations')], dir, {});
    expect(steps.map((s) => `${s.file.name} ${s.lint}`)).toEqual(['orders false', 'widen true']);
  });
});

describe('histories are per directory', () => {
  it('a table of another project does not leak into this one', async () => {
    const sources = [
      { path: 'a/migrations/0001_orders.sql', text: 'CREATE TABLE orders (id bigint, code varchar(20));\n', layout: 'native' as const },
      { path: 'b/migrations/0001_change.sql', text: 'ALTER TABLE orders ALTER COLUMN code TYPE text;\n', layout: 'native' as const },
    ];
    const result = await lint({ sources, configFile: false });
    const [finding] = result.findings.filter((f) => f.rule === 'changing-column-type');
    expect(finding?.message).toContain('assumed, because the old type is unknown here');
  });
});

describe('views and SELECT *', () => {
  it('a column added after a SELECT * view was created is not read by it', async () => {
    const history = ['CREATE TABLE orders (id bigint, code varchar(20));\nCREATE VIEW all_orders AS SELECT * FROM orders;\n', 'ALTER TABLE orders ADD COLUMN qty integer;\n', 'ALTER TABLE orders ALTER COLUMN qty TYPE bigint;\n'];
    const [finding] = await findingsOn('changing-column-type', history);
    expect(finding).toContain('rewrites orders');
    const [refused] = await findingsOn('changing-column-type', [history[0]!, 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);\n']);
    expect(refused).toContain('PostgreSQL refuses to alter the type of a column that a view (all_orders) uses');
  });
});

describe('lint() with a starting catalog', () => {
  it('uses it as the schema before the first migration, without changing it', async () => {
    await loadParser();
    const live = replayMigrations([readMigrationSource('live/0001_schema.sql', 'CREATE TABLE orders (id bigint, code varchar(20));\n', {}, 'native')]);
    const sources = [{ path: 'migrations/0001_change.sql', text: 'ALTER TABLE orders ALTER COLUMN code TYPE text;\nALTER TABLE orders DROP COLUMN code;\n', layout: 'native' as const }];
    const withLive = await lint({ sources, configFile: false, catalog: live });
    expect(withLive.findings.filter((f) => f.rule === 'changing-column-type')).toEqual([]);
    expect(live.table({ schema: undefined, name: 'orders' })?.columns.map((c) => c.name)).toEqual(['id', 'code']);
    const without = await lint({ sources, configFile: false });
    expect(without.findings.filter((f) => f.rule === 'changing-column-type')).toHaveLength(1);
  });
});
