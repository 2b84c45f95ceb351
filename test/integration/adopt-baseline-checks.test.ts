import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBaselineDocument } from '../support/baseline-schema.js';
import { pgtandem } from '../support/cli-in-process.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { dbmateDeploy, drizzleDeploy, flywayDeploy, golangMigrateDeploy, prismaDeploy } from '../support/foreign-deploy.js';
import { tempDir } from '../support/temp-dir.js';
import { MigrationState } from '../../src/runner/state.js';

// What baseline refuses, names and leaves alone: a tool's failed, dirty, rolled-back or skipped
// migrations, changed checksums, a schema that is not what the files make, pgtandem state that
// disagrees; --to by hand, --dry-run, and status/expand before and after.

let db: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await createTestDatabase('adopt_checks');
  env = { DATABASE_URL: db.url };
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.client.query(`DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS pgtandem CASCADE; DROP SCHEMA IF EXISTS drizzle CASCADE; CREATE SCHEMA public`);
});

/** A project folder with `migrations/` holding these files (paths may have folders: Prisma's). */
function project(files: Record<string, string>): string {
  const cwd = tempDir('pgtandem-adopt-checks-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(cwd, 'migrations', path, '..'), { recursive: true });
    writeFileSync(join(cwd, 'migrations', path), text);
  }
  return cwd;
}

const json = async (args: string[], cwd: string) => {
  const run = await pgtandem([...args, '--format', 'json'], { cwd, env });
  const body = run.stdout ? JSON.parse(run.stdout) : undefined;
  if (body) expectBaselineDocument(body);
  return { ...run, body };
};
const adoptedVersions = (body: { adopted: { version: string }[] }) => body.adopted.map((a) => a.version);
const pgtandemRows = async () => (await db.client.query(`SELECT to_regclass('pgtandem.migrations') IS NOT NULL AS t`)).rows[0].t
  ? (await db.client.query(`SELECT version, state FROM pgtandem.migrations ORDER BY version`)).rows
  : [];

describe('Prisma', () => {
  const files = {
    '20240101000000_init/migration.sql': 'CREATE TABLE "user" (id serial PRIMARY KEY, email text NOT NULL);\n',
    '20240102000000_posts/migration.sql': 'CREATE TABLE post (id serial PRIMARY KEY, user_id int REFERENCES "user");\n',
    '20240103000000_broken/migration.sql': 'ALTER TABLE post ADD COLUMN title text;\nALTER TABLE nope ADD COLUMN x int;\n',
  };

  it('status explains the unadopted table and expand refuses; a failed migration is named and not adopted', async () => {
    const cwd = project(files);
    await expect(prismaDeploy(db.client, join(cwd, 'migrations'))).rejects.toThrow(/nope/);

    const status = await pgtandem(['status', '--dir', 'migrations'], { cwd, env });
    expect(status.stdout).toContain('found _prisma_migrations with 2 applied migrations; run `pgtandem baseline` to adopt them');
    expect(status.stdout).toContain('Next: pgtandem baseline');
    const expand = await pgtandem(['expand', '--dir', 'migrations'], { cwd, env });
    expect(expand.code).toBe(1);
    expect(expand.stderr).toContain('refusing to expand: found _prisma_migrations with 2 applied migrations');

    const { code, body } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(code).toBe(0);
    expect(adoptedVersions(body)).toEqual(['20240101000000', '20240102000000']);
    expect(body.notAdopted).toEqual([expect.objectContaining({ version: '20240103000000', reason: expect.stringMatching(/^failed in prisma migrate deploy/) })]);
    expect(body.pending.map((p: { version: string }) => p.version)).toEqual(['20240103000000']);
    expect(body.sources).toEqual([{ kind: 'tool', tool: 'prisma', table: 'public._prisma_migrations' }]);
    const after = JSON.parse((await pgtandem(['status', '--dir', 'migrations', '--format', 'json'], { cwd, env })).stdout);
    expect(after.foreignHistory[0].unadopted).toBe(0);
    expect(after.next).toBe('pgtandem expand');
  });

  it('a rolled-back migration is not adopted; the issue path (expand failed on existing tables, then baseline) works', async () => {
    const cwd = project(files);
    await expect(prismaDeploy(db.client, join(cwd, 'migrations'))).rejects.toThrow();
    await db.client.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL`);
    // A user who ran expand before baseline existed: it stopped on "relation already exists", leaving the
    // first migration pending with its expand started and no action done. Baseline may take it over.
    const state = new MigrationState(db.client);
    await state.ensureSchema();
    await state.register('20240101000000', 'init', 'migrations/20240101000000_init/migration.sql');
    await state.beginPhase('20240101000000', 'expand', 'whatever ran');
    const { body } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(adoptedVersions(body)).toEqual(['20240101000000', '20240102000000']);
    expect(body.notAdopted[0].reason).toMatch(/^rolled back in _prisma_migrations/);
    expect(await pgtandemRows()).toEqual([{ version: '20240101000000', state: 'contracted' }, { version: '20240102000000', state: 'contracted' }]);
  });

  it('a checksum that differs from the file refuses, names the file, changes nothing; --force adopts and says so', async () => {
    const cwd = project(files);
    await expect(prismaDeploy(db.client, join(cwd, 'migrations'))).rejects.toThrow();
    writeFileSync(join(cwd, 'migrations/20240102000000_posts/migration.sql'), 'CREATE TABLE post (id serial PRIMARY KEY, user_id int REFERENCES "user");\n-- edited after it ran\n');
    const refused = await pgtandem(['baseline', '--dir', 'migrations'], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to baseline');
    expect(refused.stderr).toContain('migrations/20240102000000_posts/migration.sql: changed since prisma migrate deploy applied it');
    expect(await pgtandemRows()).toEqual([]);
    const forced = await json(['baseline', '--dir', 'migrations', '--force'], cwd);
    expect(forced.code).toBe(0);
    expect(forced.body.checksumMismatches).toHaveLength(1);
    expect(forced.body.forced[0]).toMatch(/changed since prisma migrate deploy applied it/);
  });

  it('a schema that differs from what the files make refuses and lists it; objects only the database has are listed, not refused', async () => {
    const cwd = project(files);
    await expect(prismaDeploy(db.client, join(cwd, 'migrations'))).rejects.toThrow();
    await db.client.query(`CREATE INDEX hotfix_idx ON post (user_id)`);
    const extraOnly = await json(['baseline', '--dir', 'migrations', '--dry-run'], cwd);
    expect(extraOnly.code).toBe(0);
    expect(extraOnly.body.schema.extra).toEqual(['index public.hotfix_idx']);
    await db.client.query(`ALTER TABLE "user" DROP COLUMN email`);
    const refused = await pgtandem(['baseline', '--dir', 'migrations'], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('column public.user.email: the files create it, the database does not have it');
    expect(await pgtandemRows()).toEqual([]);
  });
});

describe('state that disagrees, --to by hand, --dry-run', () => {
  const native = {
    '0001_users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n',
    '0002_orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY);\n',
    '0003_items.sql': '-- pgtandem:expand\nCREATE TABLE items (id int PRIMARY KEY);\n-- pgtandem:abort\nDROP TABLE items;\n',
  };

  it('--to marks every migration up to it; --dry-run writes nothing; a second run has nothing to do; the rest is expanded by the runner', async () => {
    const cwd = project(native);
    await db.client.query(`CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int PRIMARY KEY)`);
    const unknown = await pgtandem(['baseline', '--dir', 'migrations', '--to', '0009'], { cwd, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('pgtandem: --to 0009: no migration with that version in the migrations folder\n');
    const none = await pgtandem(['baseline', '--dir', 'migrations'], { cwd, env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/pass --to <version>/);
    const dry = await pgtandem(['baseline', '--dir', 'migrations', '--to', '0002', '--dry-run'], { cwd, env });
    expect(dry.stdout).toContain('Dry run of baseline: nothing was changed.');
    expect(dry.stdout).toContain('Would mark 2 migrations as contracted:');
    expect(await pgtandemRows()).toEqual([]);
    const run = await pgtandem(['baseline', '--dir', 'migrations', '--to', '0002'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Marked 2 migrations as contracted:');
    expect(run.stdout).toContain('Pending for pgtandem\'s runner: 1 (next: pgtandem expand).');
    expect(await pgtandemRows()).toEqual([{ version: '0001', state: 'contracted' }, { version: '0002', state: 'contracted' }]);
    const events = await db.client.query(`SELECT version, phase, result FROM pgtandem.events ORDER BY id`);
    expect(events.rows).toEqual([{ version: '0001', phase: 'baseline', result: 'succeeded' }, { version: '0002', phase: 'baseline', result: 'succeeded' }]);
    expect((await pgtandem(['baseline', '--dir', 'migrations', '--to', '0002'], { cwd, env })).stdout).toContain('baseline: nothing to do: 2 migrations are already contracted');
    expect((await pgtandem(['expand', '--dir', 'migrations'], { cwd, env })).code).toBe(0);
    expect(await pgtandemRows()).toContainEqual({ version: '0003', state: 'expanded' });
    // A migration in flight is not history: baseline leaves it, and still has nothing to do.
    const later = await pgtandem(['baseline', '--dir', 'migrations', '--to', '0002'], { cwd, env });
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toContain('baseline: nothing to do');
  });

  it('refuses, changing nothing, when pgtandem has started a migration it would adopt', async () => {
    const cwd = project(native);
    await db.client.query(`CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int PRIMARY KEY)`);
    expect((await pgtandem(['baseline', '--dir', 'migrations', '--to', '0001'], { cwd, env })).code).toBe(0);
    await db.client.query(`DROP TABLE orders`);
    expect((await pgtandem(['expand', '--dir', 'migrations', '--to', '0002'], { cwd, env })).code).toBe(0);
    const refused = await pgtandem(['baseline', '--dir', 'migrations', '--to', '0003'], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refusing to baseline: pgtandem's state disagrees");
    expect(refused.stderr).toContain("migrations/0002_orders.sql: pgtandem's state says expanded");
    expect(await pgtandemRows()).toEqual([{ version: '0001', state: 'contracted' }, { version: '0002', state: 'expanded' }]);
  });
});

describe('the other tables', () => {
  it('golang-migrate: a dirty version is named and not adopted', async () => {
    const cwd = project({
      '1_users.up.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n',
      '1_users.down.sql': 'DROP TABLE users;\n',
      '2_bad.up.sql': 'ALTER TABLE users ADD COLUMN a int; ALTER TABLE nope ADD COLUMN b int;\n',
    });
    await expect(golangMigrateDeploy(db.client, join(cwd, 'migrations'))).rejects.toThrow(/nope/);
    const { body } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(adoptedVersions(body)).toEqual(['1']);
    expect(body.notAdopted).toEqual([expect.objectContaining({ version: '2', reason: expect.stringMatching(/^dirty in schema_migrations/) })]);
  });

  it('dbmate: each applied version is adopted; the Down block plays no part', async () => {
    const cwd = project({
      '20240101000000_users.sql': '-- migrate:up\nCREATE TABLE users (id int PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n',
      '20240102000000_email.sql': '-- migrate:up\nALTER TABLE users ADD COLUMN email text;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n',
    });
    expect(await dbmateDeploy(db.client, join(cwd, 'migrations'))).toHaveLength(2);
    const { body, code } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(code).toBe(0);
    expect(adoptedVersions(body)).toEqual(['20240101000000', '20240102000000']);
  });

  it('Flyway: a changed file is a checksum mismatch (CRC-32 as Flyway computes it); a line-ending change is not', async () => {
    const cwd = project({ 'V1__users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\nALTER TABLE users ADD COLUMN name text;\n', 'V2__email.sql': 'ALTER TABLE users ADD COLUMN email text;\n' });
    await flywayDeploy(db.client, join(cwd, 'migrations'));
    writeFileSync(join(cwd, 'migrations/V1__users.sql'), 'CREATE TABLE users (id int PRIMARY KEY);\r\nALTER TABLE users ADD COLUMN name text;\r\n');
    expect((await json(['baseline', '--dir', 'migrations', '--dry-run'], cwd)).body.checksumMismatches).toEqual([]);
    writeFileSync(join(cwd, 'migrations/V2__email.sql'), 'ALTER TABLE users ADD COLUMN email varchar(200);\n');
    const refused = await pgtandem(['baseline', '--dir', 'migrations'], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('migrations/V2__email.sql: changed since flyway migrate applied it');
  });

  it("Flyway: versions at or below a BASELINE row (flyway baseline) are applied, as Flyway takes them", async () => {
    const cwd = project({ 'V1__users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n', 'V2__email.sql': 'ALTER TABLE users ADD COLUMN email text;\n' });
    await flywayDeploy(db.client, join(cwd, 'migrations'));
    // As `flyway baseline` leaves a database whose V1 was applied before Flyway: a BASELINE row, no V1 row.
    await db.client.query(`UPDATE flyway_schema_history SET type = 'BASELINE', description = '<< Flyway Baseline >>', script = '<< Flyway Baseline >>', checksum = NULL WHERE version = '1'`);
    expect(await flywayDeploy(db.client, join(cwd, 'migrations'))).toEqual([]);
    const { body } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(body.adopted.map((a: { version: string; note?: string }) => [a.version, a.note])).toEqual([['1', "at or below Flyway's baseline 1"], ['2', undefined]]);
  });

  it('Drizzle: an entry older than the newest applied one was skipped by Drizzle and is named', async () => {
    const cwd = project({
      '0000_users.sql': 'CREATE TABLE users (id int PRIMARY KEY);\n',
      '0001_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      '0002_late.sql': 'ALTER TABLE users ADD COLUMN late text;\n',
    });
    const dir = join(cwd, 'migrations');
    mkdirSync(join(dir, 'meta'));
    const journal = (entries: [string, number][]) =>
      writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: entries.map(([tag, when], idx) => ({ idx, version: '7', when, tag, breakpoints: true })) }));
    journal([['0000_users', 1000], ['0001_email', 3000]]);
    await drizzleDeploy(db.client, dir);
    // A branch merged later with an older generation time: Drizzle's watermark skips it.
    journal([['0000_users', 1000], ['0001_email', 3000], ['0002_late', 2000]]);
    expect(await drizzleDeploy(db.client, dir)).toEqual([]);
    const { body } = await json(['baseline', '--dir', 'migrations'], cwd);
    expect(adoptedVersions(body)).toEqual(['0000', '0001']);
    expect(body.notAdopted).toEqual([expect.objectContaining({ version: '0002', reason: expect.stringMatching(/^skipped by drizzle-kit migrate/) })]);
  });
});
