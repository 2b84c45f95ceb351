import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectBaselineDocument } from '../support/baseline-schema.js';
import { pgtandem } from '../support/cli-in-process.js';
import { copyProject } from '../support/corpus-project.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { drizzleDeploy, flywayDeploy, prismaDeploy, writeDrizzleJournal, type Deploy } from '../support/foreign-deploy.js';
import { tempDir } from '../support/temp-dir.js';

// The ORM keeps its folder; pgtandem keeps the phased migrations in its own (the config `init` writes:
// history = the ORM's folder, migrationsDir = pgtandem/migrations). Tested end to end on real histories,
// with each ORM's deploy simulated from its documented behaviour (test/support/foreign-deploy.ts):
//  (b) ORM deploy → pgtandem expand / migrate / contract of a migration on the ORM's table, and the
//      reverse order (pgtandem expand, then a later ORM migration, then migrate and contract);
//  (c) a phased file dropped into the ORM's folder: lint errors, the runner refuses, and the ORM's own
//      deploy runs it whole — the data loss lint prevents, shown on the database.

interface Orm {
  tool: string;
  project: string;
  /** Where the ORM keeps its folder in a project (what `init` detects). */
  folder: string;
  deploy: Deploy;
  keep?: (name: string) => boolean;
  /** Writes an ORM migration into the folder as the ORM's generator would (and its journal). */
  addMigration(dir: string, name: string, sql: string): void;
  table: string;
  /** A row of the table, with `marker` in the text column the tests change. */
  insert(marker: string): string;
  /** A text column the table has, which the phased file moves. */
  column: string;
}

const ORMS: Orm[] = [
  {
    tool: 'prisma',
    project: 'umami-software__umami',
    folder: 'prisma/migrations',
    deploy: prismaDeploy,
    addMigration(dir, name, sql) {
      mkdirSync(join(dir, `99_${name}`));
      writeFileSync(join(dir, `99_${name}`, 'migration.sql'), sql);
    },
    table: 'website',
    insert: (marker) => `INSERT INTO website (website_id, name, domain) VALUES (gen_random_uuid(), 'Shop', '${marker}')`,
    column: 'domain',
  },
  {
    tool: 'drizzle',
    project: 'simstudioai__sim',
    folder: 'drizzle',
    deploy: drizzleDeploy,
    keep: (n) => n < '0039',
    addMigration(dir, name, sql) {
      writeFileSync(join(dir, `9${String(readdirSync(dir).filter((f) => f.endsWith('.sql')).length).padStart(3, '0')}_${name}.sql`), sql);
      writeDrizzleJournal(dir);
    },
    table: 'verification',
    insert: (marker) => `INSERT INTO verification (id, identifier, value, expires_at) VALUES (gen_random_uuid()::text, '${marker}', 'v', now())`,
    column: 'identifier',
  },
  {
    tool: 'flyway',
    project: 'MarquezProject__marquez',
    folder: 'src/main/resources/db/migration',
    deploy: flywayDeploy,
    addMigration(dir, name, sql) {
      const next = 9000 + readdirSync(dir).filter((f) => f.startsWith('V9')).length;
      writeFileSync(join(dir, `V${next}__${name}.sql`), sql);
    },
    table: 'owners',
    insert: (marker) => `INSERT INTO owners (uuid, created_at, name) VALUES (gen_random_uuid(), now(), '${marker}')`,
    column: 'name',
  },
];

let db: TestDatabase;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await createTestDatabase('adopt_coexist');
  env = { DATABASE_URL: db.url };
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.client.query(`DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS pgtandem CASCADE; DROP SCHEMA IF EXISTS drizzle CASCADE; CREATE SCHEMA public`);
});

/** A project with the ORM's folder holding a real history, set up by `pgtandem init` as a user would. */
async function initProject(orm: Orm): Promise<{ cwd: string; dir: string }> {
  const cwd = tempDir('pgtandem-coexist-');
  const dir = join(cwd, orm.folder);
  mkdirSync(dir, { recursive: true });
  copyProject(orm.project, dir, orm.keep ? { keep: orm.keep } : {});
  if (orm.tool === 'drizzle') writeDrizzleJournal(dir);
  const init = await pgtandem(['init'], { cwd, env });
  expect(init.code, init.stderr).toBe(0);
  const config = JSON.parse(readFileSync(join(cwd, 'pgtandem.config.json'), 'utf8'));
  expect(config).toMatchObject({ history: [orm.folder], migrationsDir: 'pgtandem/migrations' });
  return { cwd, dir };
}

async function columns(table: string): Promise<string[]> {
  const { rows } = await db.client.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [table]);
  return rows.map((r) => r.name);
}

describe.each(ORMS)('$tool owns $folder; pgtandem runs pgtandem/migrations', (orm) => {
  it('(b) ORM deploy, then a phased pgtandem migration on its table; then pgtandem expand before a later ORM migration', async () => {
    const { cwd, dir } = await initProject(orm);
    const applied = await orm.deploy(db.client, dir);
    await db.client.query(orm.insert('Mixed Case'));

    // The recipe reads the ORM's history for the table; its output lints clean under the project's config.
    const made = await pgtandem(['new', 'add-column', orm.table, 'lowered', 'text', '--not-null', '--backfill', `lower(${orm.column})`], { cwd, env });
    expect(made.code, made.stderr).toBe(0);
    const lint = await pgtandem(['lint', '--format', 'json'], { cwd, env });
    expect(JSON.parse(lint.stdout).findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([]);
    expect(lint.code).toBe(0);

    const status = await pgtandem(['status'], { cwd, env });
    expect(status.stdout).toMatch(/history: \S+ lists \d+ of \d+ migrations as applied by/);
    expect(status.stdout).toContain('Next: pgtandem expand');
    // Baseline has nothing of pgtandem's to adopt: the ORM's folder stays the ORM's.
    const baseline = await pgtandem(['baseline', '--format', 'json'], { cwd, env });
    expect(baseline.code, baseline.stderr).toBe(0);
    expectBaselineDocument(JSON.parse(baseline.stdout));
    expect(JSON.parse(baseline.stdout)).toMatchObject({ adopted: [], history: [{ tool: orm.tool, files: applied.length, applied: applied.length }] });

    expect((await pgtandem(['expand'], { cwd, env })).code).toBe(0);
    // Reverse order: the ORM ships a migration of its own while pgtandem's is expanded (v1 and v2 live).
    orm.addMigration(dir, 'orm_note', `ALTER TABLE ${orm.table} ADD COLUMN orm_note text;\n`);
    expect(await orm.deploy(db.client, dir)).toHaveLength(1);
    await db.client.query(orm.insert('Later Row'));
    for (const phase of ['migrate', 'contract']) {
      const run = await pgtandem([phase], { cwd, env });
      expect(run.code, run.stderr).toBe(0);
    }

    const table = orm.table;
    expect(await columns(table)).toEqual(expect.arrayContaining([orm.column, 'lowered', 'orm_note']));
    const { rows } = await db.client.query(`SELECT ${orm.column} AS original, lowered FROM ${table} ORDER BY lowered`);
    // A row written by the old release while expanded is filled by the trigger; the earlier one by the backfill.
    expect(rows).toEqual([{ original: 'Later Row', lowered: 'later row' }, { original: 'Mixed Case', lowered: 'mixed case' }]);
    const notNull = await db.client.query(`SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'lowered'`, [table]);
    expect(notNull.rows[0].attnotnull).toBe(true);
    const final = JSON.parse((await pgtandem(['status', '--format', 'json'], { cwd, env })).stdout);
    expect(final.migrations.map((m: { state: string }) => m.state)).toEqual(['contracted']);
    expect(final.next).toBe('nothing to do');
    // The ORM still sees only its own files, all applied: its next deploy has nothing to do.
    expect(await orm.deploy(db.client, dir)).toEqual([]);
  }, 90_000);

  it('(c) a phased file in the ORM folder: lint errors, the runner refuses, the ORM deploy loses the data', async () => {
    const { cwd, dir } = await initProject(orm);
    await orm.deploy(db.client, dir);
    await db.client.query(orm.insert('keep me'));
    const t = orm.table;
    orm.addMigration(
      dir,
      'move_column',
      [
        '-- pgtandem:expand',
        `ALTER TABLE ${t} ADD COLUMN moved text;`,
        '-- pgtandem:migrate',
        `UPDATE ${t} SET moved = ${orm.column} WHERE moved IS NULL;`,
        '-- pgtandem:contract',
        `ALTER TABLE ${t} DROP COLUMN ${orm.column};`,
        '-- pgtandem:abort',
        `ALTER TABLE ${t} DROP COLUMN moved;`,
        '',
      ].join('\n'),
    );

    const lint = await pgtandem(['lint', '--format', 'json'], { cwd, env });
    expect(lint.code).toBe(1);
    expect(JSON.parse(lint.stdout).findings.filter((f: { rule: string }) => f.rule === 'phased-file-in-foreign-folder').length).toBeGreaterThan(0);

    // Pointed at the ORM's folder (the layout where pgtandem would run it), the runner refuses to plan it.
    writeFileSync(join(cwd, 'takeover.json'), JSON.stringify({ migrationsDir: orm.folder }));
    expect((await pgtandem(['baseline', '-c', 'takeover.json'], { cwd, env })).code).toBe(0);
    const expand = await pgtandem(['expand', '-c', 'takeover.json'], { cwd, env });
    expect(expand.code).toBe(1);
    expect(expand.stderr).toMatch(/refusing to run it: .* runs this file whole/);
    expect(await columns(t)).toContain(orm.column);

    // What lint prevents: the ORM runs the file whole — expand, migrate, contract and abort together.
    expect(await orm.deploy(db.client, dir)).toHaveLength(1);
    const after = await columns(t);
    expect(after).not.toContain(orm.column);
    expect(after).not.toContain('moved');
    const left = await db.client.query(`SELECT to_jsonb(x)::text AS row FROM ${t} x`);
    expect(left.rows.map((r) => r.row).join('\n')).not.toContain('keep me');
  }, 90_000);
});
