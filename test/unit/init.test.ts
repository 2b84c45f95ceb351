import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { loadConfig } from '../../src/lint/config.js';
import { withRuleSettings } from '../../src/lint/config-schema.js';
import { rules } from '../../rules/index.js';
import { tempDir } from '../support/temp-dir.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/pgtandem.config.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strictRequired: false }).compile(schema);
const knownRules = rules.map((r) => r.id);

function project(files: Record<string, string> = {}): string {
  const dir = tempDir('pgtandem-init-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function init(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, isTTY: false, cwd };
  const code = await main(['node', 'pgtandem', 'init', ...args], io);
  return { code, stdout, stderr };
}

/** The written config: valid against the published schema, and loaded by pgtandem itself. */
async function writtenConfig(cwd: string) {
  const json = JSON.parse(readFileSync(join(cwd, 'pgtandem.config.json'), 'utf8')) as Record<string, unknown>;
  expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  const loaded = await loadConfig({ cwd, knownRules });
  expect(loaded.path).toBe(join(cwd, 'pgtandem.config.json'));
  return { json, config: loaded.config };
}

describe('pgtandem init', () => {
  it('in an empty project: writes a config valid against the schema, with $schema, and creates migrations/', async () => {
    const cwd = project();
    const result = await init(cwd);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('migrations: migrations (created)');
    expect(statSync(join(cwd, 'migrations')).isDirectory()).toBe(true);
    const { json, config } = await writtenConfig(cwd);
    expect(json.$schema).toMatch(/^https:\/\/unpkg\.com\/pgtandem@\d+\.\d+\.\d+\/schema\/pgtandem\.config\.schema\.json$/);
    expect(Array.isArray(json.$comment)).toBe(true);
    expect(config).toMatchObject({
      migrationsDir: 'migrations',
      pgVersion: 16,
      assumeInTransaction: true,
      runner: 'pgtandem',
      lockTimeout: 2000,
      statementTimeout: 0,
      lockRetryDeadline: 300_000,
      batchSize: 1000,
      batchDelayMs: 50,
      batchTargetMs: 500,
      rules: {},
    });
  });

  it('points $schema at the installed package when node_modules/pgtandem has it', async () => {
    const cwd = project({ 'node_modules/pgtandem/schema/pgtandem.config.schema.json': '{}' });
    await init(cwd);
    const { json } = await writtenConfig(cwd);
    expect(json.$schema).toBe('./node_modules/pgtandem/schema/pgtandem.config.schema.json');
  });

  const layouts: { tool: string; files: Record<string, string>; dir: string; layout: string }[] = [
    {
      tool: 'Prisma',
      files: { 'prisma/migrations/20240101120000_init/migration.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n', 'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n' },
      dir: 'prisma/migrations',
      layout: 'prisma',
    },
    {
      tool: 'Drizzle',
      files: {
        'drizzle/0000_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n--> statement-breakpoint\nCREATE TABLE posts (id bigint PRIMARY KEY);\n',
        'drizzle/meta/_journal.json': '{"version":"7","dialect":"postgresql","entries":[]}\n',
      },
      dir: 'drizzle',
      layout: 'drizzle',
    },
    {
      tool: 'golang-migrate',
      files: { 'db/migrations/1_init.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n', 'db/migrations/1_init.down.sql': 'DROP TABLE users;\n' },
      dir: 'db/migrations',
      layout: 'golang-migrate',
    },
    {
      tool: 'Flyway',
      files: { 'src/main/resources/db/migration/V1__init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n', 'src/main/resources/db/migration/V2__posts.sql': 'CREATE TABLE posts (id bigint);\n' },
      dir: 'src/main/resources/db/migration',
      layout: 'flyway',
    },
    {
      tool: 'pgtandem',
      files: { 'migrations/0001_users.sql': '-- pgtandem:expand\nCREATE TABLE users (id bigint PRIMARY KEY);\n' },
      dir: 'migrations',
      layout: 'native',
    },
  ];
  for (const { tool, files, dir, layout } of layouts) {
    it(`detects a ${tool} layout and sets migrationsDir to ${dir}`, async () => {
      const cwd = project(files);
      const result = await init(cwd);
      expect(result.code).toBe(0);
      const foreign = layout !== 'native';
      expect(result.stdout).toContain(foreign ? `history: ${dir} (` : `migrations: ${dir} (`);
      expect(result.stdout).toContain(` ${layout} migration`);
      const { config } = await writtenConfig(cwd);
      // A foreign tool keeps its folder: it becomes history, pgtandem's phased migrations get their own.
      expect(config.migrationsDir).toBe(foreign ? 'pgtandem/migrations' : dir);
      expect(config.history ?? []).toEqual(foreign ? [dir] : []);
      expect(typeof config.baseline).toBe('string');
      // What init configured is what lint reads: the shipped migrations are the baseline, --all lints them.
      const run = async (...args: string[]): Promise<{ code: number; files: number; baseline?: { files: number } }> => {
        let stdout = '';
        const io: CliIO = { stdout: (t) => void (stdout += t), stderr: () => {}, env: {}, isTTY: false, cwd };
        const code = await main(['node', 'pgtandem', 'lint', '--format', 'json', ...args], io);
        const report = JSON.parse(stdout) as { files: unknown[]; summary: { baseline?: { files: number } } };
        return { code, files: report.files.length, ...(report.summary.baseline ? { baseline: report.summary.baseline } : {}) };
      };
      const forward = Object.keys(files).filter((f) => /(?<!down)\.sql$/.test(f)).length;
      expect(await run()).toMatchObject({ code: 0, files: 0, baseline: { files: forward } });
      expect(await run('--all')).toMatchObject({ code: 0, files: forward });
    });
  }

  it('--dir uses that folder, creating it when missing, even when another layout exists', async () => {
    const cwd = project({ 'prisma/migrations/20240101120000_init/migration.sql': 'SELECT 1;\n' });
    const result = await init(cwd, '--dir', 'db/pgtandem');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('migrations: db/pgtandem (created)');
    expect(statSync(join(cwd, 'db/pgtandem')).isDirectory()).toBe(true);
    expect((await writtenConfig(cwd)).config.migrationsDir).toBe('db/pgtandem');
  });

  it('refuses to overwrite an existing config (exit 2) and overwrites it with --force', async () => {
    const cwd = project({ 'pgtandem.config.json': '{ "pgVersion": 14 }\n' });
    const refused = await init(cwd);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toBe('pgtandem: pgtandem.config.json already exists: pass --force to overwrite it\n');
    expect(readFileSync(join(cwd, 'pgtandem.config.json'), 'utf8')).toBe('{ "pgVersion": 14 }\n');
    expect((await init(cwd, '--force')).code).toBe(0);
    expect((await writtenConfig(cwd)).config.pgVersion).toBe(16);
  });
});

describe('pgtandem init --from-squawk', () => {
  const squawkToml = [
    '# squawk settings',
    'pg_version = "13.0"',
    'assume_in_transaction = true # the tool wraps files',
    'excluded_rules = [',
    '  "require-concurrent-index-creation",',
    "  'prefer-timestamp-tz',",
    '  "require-timeout-settings", # both timeouts',
    '  "ban-truncate-cascade",',
    '  "ban-create-domain-with-constraint",',
    '  "no-such-rule",',
    ']',
    'excluded_paths = ["legacy/*.sql"]',
    '',
    '[upload_to_github]',
    'fail_on_violations = true',
    '',
  ].join('\n');

  it('carries excluded_rules, pg_version and assume_in_transaction over, and says what it left', async () => {
    const cwd = project({ '.squawk.toml': squawkToml });
    const result = await init(cwd, '--from-squawk');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const { json, config } = await writtenConfig(cwd);
    expect(config.pgVersion).toBe(13);
    expect(config.assumeInTransaction).toBe(true);
    expect(config.rules).toEqual({
      'require-concurrent-index-creation': 'off',
      'prefer-timestamptz': 'off',
      'require-lock-timeout': 'off',
      'require-statement-timeout': 'off',
    });
    const comment = (json.$comment as string[]).join('\n');
    expect(comment).toContain('Kept on, as pgtandem\'s rule is broader than squawk\'s: ban-truncate-cascade (ban-truncate flags more).');
    expect(comment).toContain('squawk-only rules, nothing to turn off here: ban-create-domain-with-constraint.');
    expect(comment).toContain('Not squawk 2.66 rules, ignored: no-such-rule.');
    expect(comment).toContain('Not carried over from .squawk.toml: excluded_paths');
    expect(result.stdout).toContain('turned off require-concurrent-index-creation, prefer-timestamptz, require-lock-timeout, require-statement-timeout.');
  });

  it('reads another file when given one, and assume_in_transaction = false', async () => {
    const cwd = project({ 'config/squawk.toml': 'assume_in_transaction = false\npg_version = 15\n' });
    expect((await init(cwd, '--from-squawk', 'config/squawk.toml')).code).toBe(0);
    const { config } = await writtenConfig(cwd);
    expect(config).toMatchObject({ pgVersion: 15, assumeInTransaction: false, rules: {} });
  });

  const invalid: { toml: string; message: string }[] = [
    { toml: 'pg_version = "thirteen"\n', message: '.squawk.toml:1:1: pg_version: expected a version such as "13.0", got "thirteen"' },
    { toml: 'pg_version = "8.4"\n', message: '.squawk.toml:1:1: pg_version: expected a PostgreSQL major version from 9 to 19, got 8' },
    { toml: '\nexcluded_rules = "ban-drop-column"\n', message: '.squawk.toml:2:1: excluded_rules: expected an array of rule names' },
    { toml: 'excluded_rules = ["a",\n', message: '.squawk.toml:1:17: excluded_rules: unexpected end of line' },
    { toml: 'assume_in_transaction = yes\n', message: '.squawk.toml:1:24: assume_in_transaction: not a TOML value: yes' },
    { toml: 'just words\n', message: '.squawk.toml:1:1: expected key = value' },
  ];
  for (const { toml, message } of invalid) {
    it(`exits 2 naming the place for ${JSON.stringify(toml.trim())}, and writes nothing`, async () => {
      const cwd = project({ '.squawk.toml': toml });
      const result = await init(cwd, '--from-squawk');
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe(`pgtandem: ${message}\n`);
      expect(existsSync(join(cwd, 'pgtandem.config.json'))).toBe(false);
    });
  }

  it('exits 2 when .squawk.toml is missing', async () => {
    const result = await init(project(), '--from-squawk');
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain('.squawk.toml: not found');
  });
});

describe('schema/pgtandem.config.schema.json', () => {
  it('lists exactly the rule ids of the registry, each described (npm run generate writes them)', () => {
    const ids = (schema as { definitions: { builtInRuleId: { enum: string[] } } }).definitions.builtInRuleId.enum;
    expect([...ids].sort()).toEqual([...knownRules].sort());
    expect(schema).toEqual(withRuleSettings(schema as Record<string, unknown>, rules));
    const described = (schema as { properties: { rules: { properties: Record<string, { description: string }> } } }).properties.rules.properties;
    expect(described['ban-drop-table']?.description).toContain(rules.find((r) => r.id === 'ban-drop-table')!.summary);
  });

  it('accepts a plugin rule’s id in rules once plugins are listed, and only then', () => {
    expect(validate({ plugins: ['./lint-rules/*.ts'], rules: { 'team-no-select-star': 'error', 'ban-drop-table': 'off' } }), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ rules: { 'team-no-select-star': 'error' } }, { plugins: './r.ts', rules: { Team_Rule: 'off' } }, { plugins: './r.ts', rules: { 'team-no-select-star': 'fatal' } }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('describes every setting the config loader accepts, and rejects what it rejects', () => {
    const ok = { migrationsDir: 'db', pgVersion: 15, lockTimeout: 1500, statementTimeout: '30s', lockRetryDeadline: '2 min', oldVersionApplicationName: 'app@v1%', smallTableRows: 0 };
    expect(validate(ok), JSON.stringify(validate.errors)).toBe(true);
    for (const bad of [{ lockTimeout: 'soon' }, { pgVersion: 8 }, { rules: { 'no-such-rule': 'off' } }, { rules: { 'ban-drop-table': 'fatal' } }, { migrationDir: 'db' }, { oldReleaseApplicationName: 'a', oldVersionApplicationName: 'b' }]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});
