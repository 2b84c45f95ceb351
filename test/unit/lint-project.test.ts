import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { tempDir } from '../support/temp-dir.js';

// A Prisma project that adopted pgtandem: Prisma keeps applying prisma/migrations (history),
// pgtandem runs its own phased migrations from pgtandem/migrations.
function project(files: Record<string, string>, config: object): string {
  const root = tempDir('pgtandem-project-');
  writeFileSync(join(root, 'pgtandem.config.json'), JSON.stringify(config));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const PRISMA = {
  'prisma/migrations/20240101000000_init/migration.sql': 'CREATE TABLE "website" ("id" uuid PRIMARY KEY, "name" varchar(100) NOT NULL);\n',
  'prisma/migrations/20240201000000_domain/migration.sql': 'ALTER TABLE "website" ADD COLUMN "domain" varchar(500);\nCREATE INDEX "website_domain_idx" ON "website"("domain");\n',
};
const RENAME = [
  '-- pgtandem:expand',
  'ALTER TABLE website ADD COLUMN title varchar(100);',
  '-- pgtandem:migrate',
  'UPDATE website SET title = name WHERE title IS NULL;',
  '-- pgtandem:contract',
  'ALTER TABLE website DROP COLUMN name;',
  '-- pgtandem:abort',
  'ALTER TABLE website DROP COLUMN title;',
  '',
].join('\n');

describe('a project with history folders', () => {
  it('replays the history folder before pgtandem’s migrations, in version order, as one schema', async () => {
    const root = project({ ...PRISMA, 'pgtandem/migrations/20240301000000_title.sql': RENAME }, { migrationsDir: 'pgtandem/migrations', history: ['prisma/migrations'] });
    const result = await lint({ cwd: root });
    expect(result.files.map((f) => relative(root, f.path))).toEqual([
      'prisma/migrations/20240101000000_init/migration.sql',
      'prisma/migrations/20240201000000_domain/migration.sql',
      'pgtandem/migrations/20240301000000_title.sql',
    ]);
    // The CREATE INDEX on a table made by an earlier Prisma migration locks writes (Prisma runs it as written).
    expect(result.findings.map((f) => `${f.file.split('/').at(-2)} ${f.rule}`)).toContain('20240201000000_domain require-concurrent-index-creation');
    // The native file sees website.name from Prisma's history: no unknown-table confusion, no findings of its own.
    expect(result.findings.filter((f) => relative(root, f.file).startsWith('pgtandem/'))).toEqual([]);
  });

  it('does not report migrations up to the baseline, and --all does', async () => {
    const root = project({ ...PRISMA, 'pgtandem/migrations/20240301000000_title.sql': RENAME }, { migrationsDir: 'pgtandem/migrations', history: 'prisma/migrations', baseline: '20240201000000' });
    const shipped = await lint({ cwd: root });
    expect(shipped.files.map((f) => relative(root, f.path))).toEqual(['pgtandem/migrations/20240301000000_title.sql']);
    expect(shipped.summary).toMatchObject({ errors: 0, baseline: { version: '20240201000000', files: 2 } });
    const all = await lint({ cwd: root, all: true });
    expect(all.files).toHaveLength(3);
    expect(all.summary.errors).toBeGreaterThan(0);
  });

  it('reports a phased file in the ORM’s folder, and lints its sections as the expand they become', async () => {
    const root = project({ ...PRISMA, 'prisma/migrations/20240301000000_title/migration.sql': RENAME }, { migrationsDir: 'pgtandem/migrations', history: ['prisma/migrations'], baseline: '20240201000000' });
    mkdirSync(join(root, 'pgtandem/migrations'), { recursive: true });
    const result = await lint({ cwd: root });
    const phased = result.findings.filter((f) => f.rule === 'phased-file-in-foreign-folder');
    expect(phased.map((f) => f.line)).toEqual([3, 5, 7]);
    expect(phased[0]!.message).toContain('prisma migrate deploy runs this file whole');
    expect(phased[0]!.message).toContain('abort then undoes what expand just did');
    // Prisma runs the DROP COLUMN before the new release ships: v1 still reads it.
    expect(result.findings.find((f) => f.rule === 'ban-drop-column')?.phase).toBe('expand');
  });

  it('reports a phased file in a history folder of plain SQL, which no pgtandem runner applies', async () => {
    const root = project({ 'db/legacy/0001_init.sql': 'CREATE TABLE website (id uuid PRIMARY KEY, name text);\n', 'db/legacy/0002_title.sql': RENAME }, { history: ['db/legacy'] });
    const result = await lint({ cwd: root });
    expect(result.findings.filter((f) => f.rule === 'phased-file-in-foreign-folder').map((f) => f.line)).toEqual([3, 5, 7]);
  });

  it('keeps the same native file clean in pgtandem’s own folder', async () => {
    const root = project({ 'db/migrations/0001_init.sql': 'CREATE TABLE website (id uuid PRIMARY KEY, name text);\n', 'db/migrations/0002_title.sql': RENAME }, { migrationsDir: 'db/migrations' });
    const result = await lint({ cwd: root });
    expect(result.findings).toEqual([]);
  });

  it('rejects a malformed history or baseline setting with the file named', async () => {
    const bad = project({}, { history: [''], migrationsDir: 'x' });
    await expect(lint({ cwd: bad })).rejects.toThrow(/pgtandem\.config\.json: history must be a folder/);
    const noVersion = project({}, { baseline: 'latest', migrationsDir: 'x' });
    await expect(lint({ cwd: noVersion })).rejects.toThrow(/baseline must be a migration version/);
  });
});
