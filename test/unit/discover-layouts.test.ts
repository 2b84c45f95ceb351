import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  discoverMigrations,
  DiscoveryError,
  readMigrationSource,
  type Discovery,
} from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/migrations/migration.js';
import { compareDigits, compareVersions } from '../../src/migrations/version.js';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Writes `files` (relative path → content) under a fresh temporary directory. */
async function tree(files: Record<string, string | Uint8Array>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgtandem-discover-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

async function discover(files: Record<string, string | Uint8Array>, assumeInTransaction = true) {
  const root = await tree(files);
  const found = await discoverMigrations([root], { assumeInTransaction });
  return { root, ...relative(root, found) };
}

function relative(root: string, found: Discovery): Discovery {
  const strip = (path: string): string => path.slice(root.length + 1);
  return {
    migrations: found.migrations.map((m) => ({ ...m, path: strip(m.path) })),
    skipped: found.skipped.map((s) => ({ ...s, path: strip(s.path) })),
  };
}

/** Each segment as [phase, its text trimmed]. */
function sections(migration: MigrationFile | undefined): [string, string][] {
  if (!migration) throw new Error('no such migration');
  return migration.segments.map((s) => [s.phase, migration.text.slice(s.start, s.end).trim()]);
}

function byPath(found: Discovery, path: string): MigrationFile | undefined {
  return found.migrations.find((m) => m.path === path);
}

describe('native layout', () => {
  const text = [
    'CREATE TABLE t (id int);',
    '-- pgtandem:expand',
    'ALTER TABLE users ADD COLUMN email_lower text;',
    '-- pgtandem:migrate',
    'UPDATE users SET email_lower = lower(email);',
    '-- pgtandem:contract',
    'ALTER TABLE users DROP COLUMN email;',
    '-- pgtandem:abort',
    'ALTER TABLE users DROP COLUMN email_lower;',
  ].join('\n');

  it('splits at phase markers; text before the first marker is expand', () => {
    const m = readMigrationSource('migrations/0007_email_lower.sql', text);
    expect(m).toMatchObject({ layout: 'native', version: ['0007'], name: 'email_lower', inTransaction: true });
    expect(sections(m)).toEqual([
      ['expand', 'CREATE TABLE t (id int);'],
      ['expand', 'ALTER TABLE users ADD COLUMN email_lower text;'],
      ['migrate', 'UPDATE users SET email_lower = lower(email);'],
      ['contract', 'ALTER TABLE users DROP COLUMN email;'],
      ['abort', 'ALTER TABLE users DROP COLUMN email_lower;'],
    ]);
  });

  it('runs in the runner transaction whatever assumeInTransaction says', () => {
    expect(readMigrationSource('1_x.sql', text, { assumeInTransaction: false }).inTransaction).toBe(true);
  });

  it('reads CRLF files the same way', () => {
    const m = readMigrationSource('1_x.sql', text.replace(/\n/g, '\r\n'));
    expect(sections(m).map(([phase]) => phase)).toEqual(['expand', 'expand', 'migrate', 'contract', 'abort']);
  });

  it('ignores a marker inside a dollar-quoted body and an unknown phase', () => {
    const body = [
      '-- pgtandem:expand',
      'CREATE FUNCTION f() RETURNS void AS $fn$',
      '-- pgtandem:contract',
      'BEGIN END $fn$ LANGUAGE plpgsql;',
      '-- pgtandem:later',
      'SELECT 1;',
    ].join('\n');
    const m = readMigrationSource('2_f.sql', body);
    expect(sections(m)).toHaveLength(1);
    expect(sections(m)[0]?.[0]).toBe('expand');
  });

  it('claims a marker-less numbered file in a native directory', async () => {
    const found = await discover({ '1_a.sql': '-- pgtandem:expand\nSELECT 1;', '2_b.sql': 'SELECT 2;', 'seed.sql': 'SELECT 3;' });
    expect(found.migrations.map((m) => [m.path, m.layout])).toEqual([
      ['1_a.sql', 'native'],
      ['2_b.sql', 'native'],
      ['seed.sql', 'plain'],
    ]);
  });
});

describe('plain layout', () => {
  it('is one expand segment, in a transaction only when assumed', async () => {
    const found = await discover({ '0003-add-index.sql': 'CREATE INDEX i ON t (a);' }, false);
    const m = found.migrations[0];
    expect(m).toMatchObject({ layout: 'plain', version: ['0003'], name: 'add-index', inTransaction: false });
    expect(sections(m)).toEqual([['expand', 'CREATE INDEX i ON t (a);']]);
  });

  it('honours a pgtandem marker in a foreign file', () => {
    const m = readMigrationSource('schema.sql', 'SELECT 1;\n-- pgtandem:contract\nDROP TABLE old;');
    expect(m).toMatchObject({ layout: 'plain', version: [], name: 'schema' });
    expect(sections(m)).toEqual([
      ['expand', 'SELECT 1;'],
      ['contract', 'DROP TABLE old;'],
    ]);
  });
});

describe('golang-migrate layout', () => {
  it('returns up files and skips down files with a reason', async () => {
    const found = await discover({
      '0001_init.up.sql': 'CREATE TABLE a (id int);',
      '0001_init.down.sql': 'DROP TABLE a;',
      '0002_1.7.0_schema.up.sql': 'ALTER TABLE a ADD b int;',
    });
    expect(found.migrations.map((m) => [m.path, m.layout, m.version, m.name])).toEqual([
      ['0001_init.up.sql', 'golang-migrate', ['0001'], 'init'],
      ['0002_1.7.0_schema.up.sql', 'golang-migrate', ['0002'], '1.7.0_schema'],
    ]);
    expect(found.skipped).toEqual([{ path: '0001_init.down.sql', reason: 'down migration' }]);
  });

  it("reads Authelia's V0001.Name.up.sql form", () => {
    const m = readMigrationSource('V0012.OAuth2ConsentSubjectNULL.up.sql', 'SELECT 1;');
    expect(m).toMatchObject({ layout: 'golang-migrate', version: ['0012'], name: 'OAuth2ConsentSubjectNULL' });
  });

  it('keeps Go-template placeholders as they are', () => {
    const text = 'ALTER TABLE {{ index .Options "Namespace" }}.users ADD COLUMN x int;';
    const m = readMigrationSource('20210710035447_alter_users.up.sql', text);
    expect(m.layout).toBe('golang-migrate');
    expect(sections(m)).toEqual([['expand', text]]);
  });

  it('treats a lone .postgres. file among plain up files as golang-migrate (supabase/auth)', async () => {
    const found = await discover({ '1_a.up.sql': 'SELECT 1;', '2_b.postgres.up.sql': 'SELECT 2;' });
    expect(found.migrations.map((m) => m.layout)).toEqual(['golang-migrate', 'golang-migrate']);
  });

  it('refuses a down file given in memory', () => {
    expect(() => readMigrationSource('1_a.down.sql', 'DROP TABLE a;')).toThrowError(
      expect.objectContaining({ code: 'NOT_FORWARD_MIGRATION' }),
    );
  });
});

describe('popx layout (ory/kratos)', () => {
  it('skips other dialects and down files, lets .postgres. replace the generic file, and honours .autocommit.', async () => {
    const found = await discover({
      '20210101000000000000_a.up.sql': 'CREATE TABLE a (id int);',
      '20210101000000000000_a.down.sql': 'DROP TABLE a;',
      '20210101000000000000_a.mysql.up.sql': 'CREATE TABLE a (id int) ENGINE=InnoDB;',
      '20220101000000000000_b.up.sql': 'CREATE INDEX i ON a (id);',
      '20220101000000000000_b.postgres.up.sql': 'CREATE INDEX i ON a USING btree (id);',
      '20220101000000000000_b.cockroach.up.sql': 'CREATE INDEX i ON a (id);',
      '20230101000000000000_c.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY j ON a (id);',
      '20230101000000000000_c.autocommit.down.sql': 'DROP INDEX CONCURRENTLY j;',
    });
    expect(found.migrations.map((m) => [m.path, m.layout, m.name, m.inTransaction])).toEqual([
      ['20210101000000000000_a.up.sql', 'popx', 'a', true],
      ['20220101000000000000_b.postgres.up.sql', 'popx', 'b', true],
      ['20230101000000000000_c.autocommit.up.sql', 'popx', 'c', false],
    ]);
    expect(Object.fromEntries(found.skipped.map((s) => [s.path, s.reason]))).toEqual({
      '20210101000000000000_a.down.sql': 'down migration',
      '20210101000000000000_a.mysql.up.sql': 'popx migration for mysql, not PostgreSQL',
      '20220101000000000000_b.up.sql': 'replaced by its PostgreSQL variant 20220101000000000000_b.postgres.up.sql',
      '20220101000000000000_b.cockroach.up.sql': 'popx migration for cockroach, not PostgreSQL',
      '20230101000000000000_c.autocommit.down.sql': 'down migration',
    });
  });

  it('recognises .postgres.autocommit. in memory', () => {
    const m = readMigrationSource('20260703000000000000_idx.postgres.autocommit.up.sql', 'SELECT 1;');
    expect(m).toMatchObject({ layout: 'popx', version: ['20260703000000000000'], inTransaction: false });
  });
});

describe('flyway layout', () => {
  it('orders V1_2 before V1_10 and V2.1 after V2, with repeatables last and undo files skipped', async () => {
    const found = await discover({
      'V1_10__ten.sql': 'SELECT 10;',
      'V1_2__two.sql': 'SELECT 2;',
      'V2__major.sql': 'SELECT 20;',
      'V2.1__minor.sql': 'SELECT 21;',
      'R__views.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;',
      'U1_2__two.sql': 'SELECT -2;',
    });
    expect(found.migrations.map((m) => [m.path, m.version])).toEqual([
      ['V1_2__two.sql', ['1', '2']],
      ['V1_10__ten.sql', ['1', '10']],
      ['V2__major.sql', ['2']],
      ['V2.1__minor.sql', ['2', '1']],
      ['R__views.sql', []],
    ]);
    expect(found.migrations.every((m) => m.layout === 'flyway')).toBe(true);
    expect(found.skipped).toEqual([{ path: 'U1_2__two.sql', reason: 'Flyway undo migration' }]);
  });

  it('runs a script outside a transaction when its .conf says so', async () => {
    const found = await discover({
      'V1__a.sql': 'SELECT 1;',
      'V2__b.sql': 'CREATE INDEX CONCURRENTLY i ON t (a);',
      'V2__b.sql.conf': 'executeInTransaction=false\n',
    });
    expect(found.migrations.map((m) => m.inTransaction)).toEqual([true, false]);
  });
});

describe('dbmate layout', () => {
  it('reads the up section only and honours transaction:false', async () => {
    const found = await discover({
      '20220101000000_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n',
      '20220102000000_b.sql': '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down\n',
      '20220103000000_c.sql': 'GRANT SELECT ON a TO reader;\n',
    });
    expect(found.migrations.map((m) => [m.path, m.layout, m.inTransaction])).toEqual([
      ['20220101000000_a.sql', 'dbmate', true],
      ['20220102000000_b.sql', 'dbmate', false],
      ['20220103000000_c.sql', 'dbmate', true],
    ]);
    expect(sections(found.migrations[0])).toEqual([['expand', 'CREATE TABLE a (id int);']]);
    expect(sections(found.migrations[2])).toEqual([['expand', 'GRANT SELECT ON a TO reader;']]);
  });

  it('reads dash-named files (supabase/postgres init-scripts)', () => {
    const m = readMigrationSource('00000000000001-auth-schema.sql', '-- migrate:up\nSELECT 1;\n-- migrate:down\n');
    expect(m).toMatchObject({ layout: 'dbmate', version: ['00000000000001'], name: 'auth-schema' });
  });
});

describe('goose layout', () => {
  const text = [
    '-- +goose Up',
    'CREATE TABLE a (id int);',
    '-- +goose StatementBegin',
    'CREATE FUNCTION f() RETURNS int AS $$',
    '-- pgtandem:contract',
    'SELECT 1;',
    '$$ LANGUAGE sql;',
    '-- +goose StatementEnd',
    'ALTER TABLE a ADD b int;',
    '-- pgtandem:contract',
    'ALTER TABLE a DROP COLUMN id;',
    '',
    '-- +goose Down',
    '-- +goose StatementBegin',
    'DROP FUNCTION f();',
    '-- +goose StatementEnd',
    'DROP TABLE a;',
  ].join('\n');

  it('gives each StatementBegin block its own segment and drops the Down section', () => {
    const m = readMigrationSource('20240101000000_a.sql', text);
    expect(m).toMatchObject({ layout: 'goose', version: ['20240101000000'], name: 'a', inTransaction: true });
    expect(sections(m)).toEqual([
      ['expand', 'CREATE TABLE a (id int);'],
      ['expand', 'CREATE FUNCTION f() RETURNS int AS $$\n-- pgtandem:contract\nSELECT 1;\n$$ LANGUAGE sql;'],
      ['expand', 'ALTER TABLE a ADD b int;'],
      ['contract', 'ALTER TABLE a DROP COLUMN id;'],
    ]);
  });

  it('reads NO TRANSACTION in any case', () => {
    const m = readMigrationSource('2_b.sql', '-- +goose no transaction\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON a (id);');
    expect(m.inTransaction).toBe(false);
  });

  it('claims an annotation-less file in a goose directory', async () => {
    const found = await discover({ '1_a.sql': text, '2_b.sql': 'ALTER TABLE a ADD c int;' });
    expect(found.migrations.map((m) => m.layout)).toEqual(['goose', 'goose']);
    expect(sections(found.migrations[1])).toEqual([['expand', 'ALTER TABLE a ADD c int;']]);
  });

  it('uses the siblings of a file given on its own', async () => {
    const root = await tree({ '1_a.sql': text, '2_b.sql': 'SELECT 1;' });
    const found = await discoverMigrations([join(root, '2_b.sql')]);
    expect(found.migrations.map((m) => m.layout)).toEqual(['goose']);
  });
});

describe('prisma layout', () => {
  it('takes version and name from the migration directory', async () => {
    const found = await discover({
      'migrations/20240102000000_second/migration.sql': 'ALTER TABLE "User" ADD "b" TEXT;',
      'migrations/20240101000000_init/migration.sql': 'CREATE TABLE "User" ("id" TEXT);',
      'migrations/migration_lock.toml': 'provider = "postgresql"\n',
    });
    expect(found.migrations.map((m) => [m.path, m.layout, m.version, m.name])).toEqual([
      ['migrations/20240101000000_init/migration.sql', 'prisma', ['20240101000000'], 'init'],
      ['migrations/20240102000000_second/migration.sql', 'prisma', ['20240102000000'], 'second'],
    ]);
  });

  it('runs the folders in name order, as Prisma does, even when a shorter timestamp is numerically smaller', async () => {
    // langfuse's 20250625_add_pivot_table_charttype runs after 20250409154352_…, not before 20230518191501_….
    const found = await discover({
      'migrations/20250625_pivot/migration.sql': 'ALTER TABLE "t" ADD "c" int;',
      'migrations/20230518191501_init/migration.sql': 'CREATE TABLE "t" ("id" int);',
      'migrations/20250409154352_type/migration.sql': 'CREATE TYPE "k" AS ENUM (\'a\');',
    });
    expect(found.migrations.map((m) => m.name)).toEqual(['init', 'type', 'pivot']);
  });
});

describe('drizzle layout', () => {
  it('makes each chunk between breakpoints a segment', () => {
    const text = 'CREATE TABLE "a" ("id" int);\n--> statement-breakpoint\nALTER TABLE "a" ADD "b" int;--> statement-breakpoint\nCREATE INDEX "i" ON "a" ("b");';
    const m = readMigrationSource('0001_silly_name.sql', text);
    expect(m).toMatchObject({ layout: 'drizzle', version: ['0001'], name: 'silly_name' });
    expect(sections(m)).toEqual([
      ['expand', 'CREATE TABLE "a" ("id" int);'],
      ['expand', 'ALTER TABLE "a" ADD "b" int;'],
      ['expand', 'CREATE INDEX "i" ON "a" ("b");'],
    ]);
  });

  it('claims a breakpoint-less file beside Drizzle files, or beside meta/_journal.json', async () => {
    const beside = await discover({
      '0000_a.sql': 'SELECT 1;--> statement-breakpoint\nSELECT 2;',
      '0001_b.sql': 'SELECT 3;',
    });
    expect(beside.migrations.map((m) => m.layout)).toEqual(['drizzle', 'drizzle']);
    const journal = await discover({ '0000_a.sql': 'SELECT 1;', 'meta/_journal.json': '{"entries":[]}' });
    expect(journal.migrations.map((m) => m.layout)).toEqual(['drizzle']);
  });
});

describe('diesel layout', () => {
  it('reads up.sql, skips down.sql, and honours run_in_transaction = false', async () => {
    const found = await discover({
      '2024-04-12-144026_x/up.sql': 'CREATE INDEX CONCURRENTLY i ON t (a);',
      '2024-04-12-144026_x/down.sql': 'DROP INDEX i;',
      '2024-04-12-144026_x/metadata.toml': 'run_in_transaction = false\n',
      '00000000000000_diesel_initial_setup/up.sql': 'SELECT 1;',
      '2026-07-30-140000-0000_y/up.sql': 'SELECT 2;',
    });
    expect(found.migrations.map((m) => [m.path, m.layout, m.version, m.name, m.inTransaction])).toEqual([
      ['00000000000000_diesel_initial_setup/up.sql', 'diesel', ['00000000000000'], 'diesel_initial_setup', true],
      ['2024-04-12-144026_x/up.sql', 'diesel', ['20240412144026'], 'x', false],
      ['2026-07-30-140000-0000_y/up.sql', 'diesel', ['20260730140000', '0000'], 'y', true],
    ]);
    expect(found.skipped).toEqual([{ path: '2024-04-12-144026_x/down.sql', reason: 'down migration' }]);
  });
});

describe('ordering', () => {
  it('sorts numerically, unversioned files last, directories in path order', async () => {
    const found = await discover({
      'tenant/10_x.sql': 'SELECT 10;',
      'tenant/2_x.sql': 'SELECT 2;',
      'tenant/readme.sql': 'SELECT 0;',
      'multitenant/0010-b.sql': 'SELECT 1;',
      'multitenant/0009-a.sql': 'SELECT 1;',
      'base.sql': 'SELECT 1;',
    });
    expect(found.migrations.map((m) => m.path)).toEqual([
      'base.sql',
      'multitenant/0009-a.sql',
      'multitenant/0010-b.sql',
      'tenant/2_x.sql',
      'tenant/10_x.sql',
      'tenant/readme.sql',
    ]);
  });

  it('compares versions as big numbers, never as floats', () => {
    expect(compareDigits('007', '7')).toBe(0);
    expect(compareDigits('9', '10')).toBeLessThan(0);
    expect(compareDigits('20260703000000000001', '20260703000000000000')).toBeGreaterThan(0);
    expect(compareVersions(['1', '2'], ['1', '10'])).toBeLessThan(0);
    expect(compareVersions(['2'], ['2', '1'])).toBeLessThan(0);
  });
});

describe('reading files', () => {
  it('reports a binary file without segments', async () => {
    const found = await discover({ '1_bin.sql': new Uint8Array([0x53, 0x45, 0x00, 0x4c]) });
    const m = found.migrations[0];
    expect(m?.segments).toEqual([]);
    expect(m?.readProblem).toEqual({ message: 'binary file (NUL byte at byte 2)', offset: 0 });
  });

  it('decodes invalid UTF-8 with replacement and points at the first bad byte', async () => {
    const bytes = new Uint8Array([...Buffer.from('SELECT \'é'), 0xff, ...Buffer.from("';")]);
    const found = await discover({ '1_latin1.sql': bytes });
    const m = found.migrations[0];
    expect(m?.text).toBe("SELECT 'é\uFFFD';");
    expect(m?.readProblem?.offset).toBe(9);
    expect(m?.readProblem?.message).toMatch(/^invalid UTF-8 at byte 10 \(0xFF\)/);
    expect(m?.segments).toHaveLength(1);
  });

  it('strips a UTF-8 BOM so offsets start at the SQL', async () => {
    const found = await discover({ '1_bom.sql': new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from('SELECT 1;')]) });
    expect(found.migrations[0]?.text).toBe('SELECT 1;');
    expect(found.migrations[0]?.readProblem).toBeUndefined();
    expect(readMigrationSource('1_bom.sql', '\uFEFFSELECT 1;').text).toBe('SELECT 1;');
  });

  it('handles CRLF markers in foreign layouts', () => {
    const m = readMigrationSource('1_a.sql', '-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n');
    expect(m.layout).toBe('dbmate');
    expect(sections(m)).toEqual([['expand', 'SELECT 1;']]);
  });

  it('returns empty and comment-only files', async () => {
    const found = await discover({ '1_empty.sql': '', '2_comment.sql': '-- nothing to do here\n' });
    expect(found.migrations.map((m) => [m.path, m.segments.length])).toEqual([
      ['1_empty.sql', 0],
      ['2_comment.sql', 1],
    ]);
  });
});

describe('finding files', () => {
  it('walks directories for .sql files only, skipping node_modules and hidden entries', async () => {
    const found = await discover({
      'a/1_x.sql': 'SELECT 1;',
      'a/LICENSE': 'MIT',
      'a/notes.yaml': 'x: 1',
      'node_modules/pkg/1_y.sql': 'SELECT 1;',
      '.git/1_z.sql': 'SELECT 1;',
      'b/.hidden.sql': 'SELECT 1;',
      'c.sql.d/1_w.sql': 'SELECT 1;',
    });
    expect(found.migrations.map((m) => m.path)).toEqual(['a/1_x.sql', 'c.sql.d/1_w.sql']);
  });

  it('expands globs and rejects paths and globs that match nothing', async () => {
    const root = await tree({ 'db/1_a.sql': 'SELECT 1;', 'db/2_b.sql': 'SELECT 2;', 'db/x.txt': '' });
    const found = await discoverMigrations([`${root}/db/*`]);
    expect(found.migrations.map((m) => m.path)).toEqual([`${root}/db/1_a.sql`, `${root}/db/2_b.sql`]);
    await expect(discoverMigrations([join(root, 'missing')])).rejects.toMatchObject({ code: 'PATH_NOT_FOUND' });
    await expect(discoverMigrations([`${root}/nothing/*.sql`])).rejects.toBeInstanceOf(DiscoveryError);
    await expect(discoverMigrations([`${root}/nothing/*.sql`])).rejects.toMatchObject({ code: 'GLOB_NO_MATCH' });
  });

  it('reports a file given explicitly that is not SQL, and lists each file once', async () => {
    const root = await tree({ 'db/1_a.sql': 'SELECT 1;', 'notes.md': '#' });
    const found = await discoverMigrations([join(root, 'db'), join(root, 'db', '1_a.sql'), join(root, 'notes.md')]);
    expect(found.migrations).toHaveLength(1);
    expect(found.skipped).toEqual([{ path: join(root, 'notes.md'), reason: 'not a .sql file or a <version>_<name>.ts migration' }]);
  });

  it('joins the path as given with the relative part, in forward slashes', async () => {
    const root = await tree({ 'db/sub/1_a.sql': 'SELECT 1;' });
    const found = await discoverMigrations([`${root}/db/`]);
    expect(found.migrations[0]?.path).toBe(`${root}/db/sub/1_a.sql`);
  });
});
