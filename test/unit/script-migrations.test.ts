import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptLoadError } from '../../src/errors.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/migrations/migration.js';
import { PHASES } from '../../src/migrations/phase.js';
import { describePlans } from '../../src/runner/describe-plan.js';
import { planScriptPhase, sectionChecksum } from '../../src/runner/plan.js';
import { loadScriptMigration } from '../../src/migrations/load-script.js';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgtandem-scripts-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

async function discover(files: Record<string, string>): Promise<MigrationFile[]> {
  const root = await tree(files);
  const { migrations } = await discoverMigrations([root]);
  return migrations.map((m) => ({ ...m, path: m.path.slice(root.length + 1) }));
}

/** One script migration file, discovered and loaded: its phases as `phase=export`. */
async function load(name: string, text: string, extra: Record<string, string> = {}): Promise<string[]> {
  const [file] = (await discover({ [name]: text, ...extra })).filter((m) => m.script);
  const loaded = await loadScriptMigration(file!);
  return PHASES.filter((phase) => loaded.phases[phase]).map((phase) => `${phase}=${loaded.phases[phase]!.exportName}`);
}

async function loadError(name: string, text: string): Promise<string> {
  const error = await load(name, text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScriptLoadError);
  return (error as ScriptLoadError).message;
}

describe('discovery of TypeScript and JavaScript migrations', () => {
  it('finds <version>_<name>.ts|.mts|.js|.mjs beside SQL files, in version order, and nothing else', async () => {
    const found = await discover({
      '0001_users.sql': '-- pgtandem:expand\nCREATE TABLE users (id int);\n',
      '0002_email.ts': 'export async function expand() {}\n',
      '0003_tags.mts': 'export async function up() {}\n',
      '0004_plain.js': 'export async function up() {}\n',
      '0010_last.mjs': 'export async function up() {}\n',
      '0005_types.d.ts': 'export type X = 1;\n',
      'helpers.ts': 'export const x = 1;\n',
      'node_modules/pkg/0006_inside.ts': 'export async function up() {}\n',
    });
    expect(found.map((m) => [m.path, m.version.join('.'), m.name, m.script?.language ?? 'sql'])).toEqual([
      ['0001_users.sql', '0001', 'users', 'sql'],
      ['0002_email.ts', '0002', 'email', 'typescript'],
      ['0003_tags.mts', '0003', 'tags', 'typescript'],
      ['0004_plain.js', '0004', 'plain', 'javascript'],
      ['0010_last.mjs', '0010', 'last', 'javascript'],
    ]);
    expect(found[1]).toMatchObject({ layout: 'native', segments: [], inTransaction: true, text: 'export async function expand() {}\n' });
  });

  it('a directory holding only TypeScript migrations is not empty', async () => {
    expect((await discover({ '0001_a.ts': 'export async function up() {}\n' })).length).toBe(1);
  });
});

describe('loading a script migration', () => {
  it.each([
    ['phase exports (down ignored)', '0001_a.ts', 'export async function expand(db: unknown): Promise<void> {}\nexport const contract = async () => {};\nexport async function down() {}\n', ['expand=expand', 'contract=contract']],
    ['up counts as expand', '0001_a.ts', 'export async function up() {}\nexport async function abort() {}\n', ['expand=up', 'abort=abort']],
    ['CommonJS exports', '0001_a.js', 'exports.up = async () => {};\nexports.migrate = async () => {};\n', ['expand=up', 'migrate=migrate']],
    ['an .mjs module importing kysely', '0001_a.mjs', "import { sql } from 'kysely';\nexport async function migrate(db) { await sql`SELECT 1`.execute(db); }\n", ['migrate=migrate']],
  ])('%s', async (_title, name, text, expected) => {
    expect(await load(name, text)).toEqual(expected);
  });

  it('bundles relative TypeScript helpers', async () => {
    expect(await load('0001_a.ts', "import { phase } from './lib/phase.ts';\nexport const expand = phase;\n", { 'lib/phase.ts': 'export const phase = async (): Promise<void> => {};\n' })).toEqual([
      'expand=expand',
    ]);
  });

  it.each([
    ['a syntax error, with line:column', '0001_a.ts', 'export async function expand() {\n  const é = ;\n}\n', '0001_a.ts:2:13: Unexpected ";"'],
    ['an export that is not a function', '0001_a.ts', 'export const migrate = 42;\n', '0001_a.ts: export migrate is not a function (it is number)'],
    ['both up and expand', '0001_a.ts', 'export const up = async () => {};\nexport const expand = async () => {};\n', '0001_a.ts: exports both up and expand'],
    ['no phase export', '0001_a.ts', 'export const x = 1;\n', '0001_a.ts: exports none of expand, migrate, contract, abort (or up)'],
  ])('%s is a ScriptLoadError naming the file', async (_title, name, text, message) => {
    expect(await loadError(name, text)).toContain(message);
  });
});

describe('planning a script migration', () => {
  it('one transactional action per exported phase, none for an absent one; --dry-run names the export', async () => {
    const [file] = await discover({ '0002_email.ts': 'export async function up() {}\n' });
    const { phases } = await loadScriptMigration(file!);
    const expand = planScriptPhase(file!, 'expand', phases);
    expect(expand.actions.map((a) => [a.id, a.kind, a.transactional, a.script?.exportName])).toEqual([['expand#1', 'script', true, 'up']]);
    expect(planScriptPhase(file!, 'migrate', phases).actions).toEqual([]);
    expect(describePlans([expand])).toContain('expand#1  runs 0002_email.ts export up (TypeScript, one transaction)');
  });

  it('every phase checksum is the whole file: any edit changes them all', async () => {
    const [before] = await discover({ '0002_email.ts': 'export async function up() {}\nexport async function abort() {}\n' });
    const [after] = await discover({ '0002_email.ts': 'export async function up() {}\nexport async function abort() { /* fixed */ }\n' });
    expect(sectionChecksum(before!, 'expand')).toBe(sectionChecksum(before!, 'abort'));
    expect(sectionChecksum(after!, 'expand')).not.toBe(sectionChecksum(before!, 'expand'));
  });
});
