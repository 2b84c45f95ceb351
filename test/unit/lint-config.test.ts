import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { DEFAULT_PG_VERSION, loadConfig, parseConfig } from '../../src/lint/config.js';
import { lint, rules } from '../../src/lint/lint.js';

const knownRules = rules.map((r) => r.id);

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Writes `files` (relative path → content) under a fresh temporary directory; makes `dirs` too. */
async function tree(files: Record<string, string>, dirs: string[] = []): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pgtandem-config-'));
  roots.push(root);
  for (const dir of dirs) await mkdir(join(root, dir), { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** The ConfigError `action` throws (fails the test if it throws anything else, or nothing). */
function configError(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

async function configErrorOf(action: () => Promise<unknown>): Promise<ConfigError> {
  const error = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

describe('loadConfig: finding the configuration', () => {
  it('finds pgtandem.config.json by walking up from a nested working directory', async () => {
    const root = await tree({ 'pgtandem.config.json': '{ "migrationsDir": "db/migrations", "pgVersion": 14 }' }, ['services/api/src']);
    const loaded = await loadConfig({ cwd: join(root, 'services/api/src'), knownRules });
    expect(loaded.path).toBe(join(root, 'pgtandem.config.json'));
    expect(loaded.config).toEqual({ migrationsDir: 'db/migrations', pgVersion: 14, assumeInTransaction: true, runner: 'pgtandem', rules: {}, history: [] });
  });

  it('reads the "pgtandem" key of package.json', async () => {
    const root = await tree(
      { 'package.json': JSON.stringify({ name: 'app', pgtandem: { assumeInTransaction: false, rules: { 'ban-drop-table': 'warn' } } }) },
      ['src'],
    );
    const loaded = await loadConfig({ cwd: join(root, 'src'), knownRules });
    expect(loaded.path).toBe(join(root, 'package.json'));
    expect(loaded.config).toEqual({ pgVersion: DEFAULT_PG_VERSION, assumeInTransaction: false, runner: 'pgtandem', rules: { 'ban-drop-table': 'warn' }, history: [] });
  });

  it('skips a package.json without the key (and a broken one) and keeps walking up', async () => {
    const root = await tree({
      'pgtandem.config.json': '{ "pgVersion": 15 }',
      'packages/web/package.json': '{ "name": "web" }',
      'packages/web/src/package.json': '{ "name": ',
    });
    const loaded = await loadConfig({ cwd: join(root, 'packages/web/src'), knownRules });
    expect(loaded.path).toBe(join(root, 'pgtandem.config.json'));
    expect(loaded.config.pgVersion).toBe(15);
  });

  it('the nearest configuration wins, and pgtandem.config.json beats package.json in the same directory', async () => {
    const root = await tree({
      'pgtandem.config.json': '{ "pgVersion": 13 }',
      'app/pgtandem.config.json': '{ "pgVersion": 17 }',
      'app/package.json': '{ "pgtandem": { "pgVersion": 12 } }',
    });
    const loaded = await loadConfig({ cwd: join(root, 'app'), knownRules });
    expect(loaded.path).toBe(join(root, 'app/pgtandem.config.json'));
    expect(loaded.config.pgVersion).toBe(17);
  });

  it('without any configuration: the defaults, and no path', async () => {
    const root = await tree({}, ['deep/er']);
    expect(await loadConfig({ cwd: join(root, 'deep/er'), knownRules })).toEqual({
      config: { pgVersion: DEFAULT_PG_VERSION, assumeInTransaction: true, runner: 'pgtandem', rules: {}, history: [] },
      path: undefined,
    });
  });

  it('an explicit path is read instead of searching, relative to cwd', async () => {
    const root = await tree({ 'pgtandem.config.json': '{ "pgVersion": 13 }', 'ci/lint.json': '{ "pgVersion": 18 }' });
    const loaded = await loadConfig({ cwd: root, explicitPath: 'ci/lint.json', knownRules });
    expect(loaded.path).toBe(join(root, 'ci/lint.json'));
    expect(loaded.config.pgVersion).toBe(18);
  });

  it('an explicit path that does not exist is a ConfigError', async () => {
    const root = await tree({});
    const error = await configErrorOf(() => loadConfig({ cwd: root, explicitPath: 'missing.json', knownRules }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('missing.json: config file not found');
  });
});

describe('invalid configuration', () => {
  it('invalid JSON: a ConfigError whose message starts with file:line:column', async () => {
    const text = '{\n  "rules": {\n    "renaming-column": "warn",\n  }\n}\n';
    const root = await tree({ 'pgtandem.config.json': text });
    const file = join(root, 'pgtandem.config.json');
    const error = await configErrorOf(() => loadConfig({ cwd: root, knownRules }));
    // The trailing comma: JSON expects another property name at the `}` on line 4, column 3.
    expect(error.message).toMatch(new RegExp(`^${escape(file)}:4:3: invalid JSON: \\S`));
    expect(error.position).toEqual({ line: 4, column: 3 });
    expect(error.file).toBe(file);
  });

  it('invalid JSON in package.json with a "pgtandem" key is reported with its position too', () => {
    const error = configError(() => parseConfig('package.json', '{ "pgtandem": { "pgVersion": 16 } } }', knownRules, true));
    expect(error.message).toMatch(/^package\.json:1:37: invalid JSON: /);
  });

  // Fails today: V8's "Unexpected end of JSON input" carries no position, so an empty config file
  // (say, `touch pgtandem.config.json`) gets a message without line:column.
  it('an empty file is invalid JSON at 1:1', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '', knownRules, false));
    expect(error.message).toMatch(/^pgtandem\.config\.json:1:1: invalid JSON: /);
  });

  it('an unknown rule id, with a did-you-mean suggestion', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "rules": { "renaming-colum": "warn" } }', knownRules, false));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('pgtandem.config.json: unknown rule "renaming-colum" in rules (did you mean "renaming-column"?)');
  });

  it('an unknown rule id far from any known one gets no suggestion', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "rules": { "no-select-star": "off" } }', knownRules, false));
    expect(error.message).toBe('pgtandem.config.json: unknown rule "no-select-star" in rules');
  });

  it('a severity other than error, warn or off', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "rules": { "renaming-column": "warning" } }', knownRules, false));
    expect(error.message).toBe('pgtandem.config.json: rule "renaming-column" must be "error", "warn" or "off"');
  });

  it('a misspelt key gets a did-you-mean suggestion', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "migrationDir": "db" }', knownRules, false));
    expect(error.message).toBe('pgtandem.config.json: unknown setting "migrationDir" (did you mean "migrationsDir"?)');
  });

  it('the usage gate settings: mode, window (longer than 0), own statements only', () => {
    const config = parseConfig('pgtandem.config.json', '{ "usageGate": "required", "usageWindow": "30min", "usageGateOwnStatementsOnly": true }', knownRules, false);
    expect([config.usageGate, config.usageWindow, config.usageGateOwnStatementsOnly]).toEqual(['required', 1_800_000, true]);
  });

  it('reads tenantSchemas as true or with its shared schemas, and refuses anything else in one line', () => {
    expect(parseConfig('pgtandem.config.json', '{ "tenantSchemas": true }', knownRules, false).tenantSchemas).toEqual({ shared: [] });
    expect(parseConfig('pgtandem.config.json', '{ "tenantSchemas": { "shared": ["extensions"] } }', knownRules, false).tenantSchemas).toEqual({ shared: ['extensions'] });
    expect(parseConfig('pgtandem.config.json', '{ "tenantSchemas": false }', knownRules, false).tenantSchemas).toBeUndefined();
    for (const bad of ['"yes"', '{ "shared": "extensions" }', '{ "schemas": [] }', '["public"]']) {
      expect(() => parseConfig('pgtandem.config.json', `{ "tenantSchemas": ${bad} }`, knownRules, false)).toThrow(/^pgtandem\.config\.json: tenantSchemas must be true, false or/);
    }
    expect(configError(() => parseConfig('c.json', '{ "usageGate": "sometimes" }', knownRules, false)).message).toBe('c.json: usageGate must be "auto", "required" or "off"');
    for (const window of ['"-5m"', '"10 parsecs"', '0']) {
      expect(configError(() => parseConfig('c.json', `{ "usageWindow": ${window} }`, knownRules, false)).message).toContain('usageWindow must be a duration longer than 0');
    }
  });

  it('an unknown key far from any known one names the known ones', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "colour": true }', knownRules, false));
    expect(error.message).toBe(
      'pgtandem.config.json: unknown setting "colour" (known: migrationsDir, history, baseline, pgVersion, assumeInTransaction, runner, rules, plugins, lockTimeout, statementTimeout, lockRetryDeadline, batchSize, smallTableRows, batchDelayMs, batchTargetMs, oldReleaseApplicationName, oldVersionApplicationName, usageGate, usageWindow, usageGateOwnStatementsOnly, throttle, tenantSchemas)',
    );
  });

  it.each([
    ['8', '8'],
    ['20', '20'],
    ['16.5', '16.5'],
    ['"sixteen"', '"sixteen"'],
    ['null', 'null'],
  ])('pgVersion %s is rejected', (json, shown) => {
    const error = configError(() => parseConfig('pgtandem.config.json', `{ "pgVersion": ${json} }`, knownRules, false));
    expect(error.message).toBe(`pgtandem.config.json: pgVersion: expected a PostgreSQL major version from 9 to 19, got ${shown}`);
  });

  it('a configuration that is not an object', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '["renaming-column"]', knownRules, false));
    expect(error.message).toBe('pgtandem.config.json: configuration must be a JSON object');
  });

  it('assumeInTransaction must be a boolean', () => {
    const error = configError(() => parseConfig('pgtandem.config.json', '{ "assumeInTransaction": "yes" }', knownRules, false));
    expect(error.message).toBe('pgtandem.config.json: assumeInTransaction must be true or false');
  });

  it('lint() rejects a bad config file found from cwd', async () => {
    const root = await tree({ 'pgtandem.config.json': '{ "rules": { "ban-drop-colum": "off" } }' });
    const error = await configErrorOf(() => lint({ cwd: root, sources: [{ path: 'm/0001_x.sql', text: 'SELECT 1;', layout: 'native' }] }));
    expect(error.message).toBe(`${join(root, 'pgtandem.config.json')}: unknown rule "ban-drop-colum" in rules (did you mean "ban-drop-column"?)`);
  });

  it('lint() rejects an unknown rule given in options as a usage error', async () => {
    const error = await lint({ configFile: false, config: { rules: { 'no-such-rule': 'off' } }, sources: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('unknown rule "no-such-rule"');
  });
});

describe('per-rule settings change the findings', () => {
  const sql = 'CREATE INDEX users_email_idx ON users (email);\nALTER TABLE users DROP COLUMN legacy;\n';
  const source = { path: 'migrations/0001_change.sql', text: sql, layout: 'native' as const };

  it('defaults: both findings are errors', async () => {
    const result = await lint({ configFile: false, sources: [source] });
    expect(result.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['require-concurrent-index-creation error', 'ban-drop-column error']);
    expect(result.summary).toEqual({ files: 1, errors: 2, warnings: 0 });
  });

  it('from pgtandem.config.json: "warn" lowers the severity, "off" removes the finding', async () => {
    const root = await tree({
      'pgtandem.config.json': JSON.stringify({ rules: { 'require-concurrent-index-creation': 'warn', 'ban-drop-column': 'off' } }),
    });
    const result = await lint({ cwd: root, sources: [source] });
    expect(result.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['require-concurrent-index-creation warn']);
    expect(result.summary).toEqual({ files: 1, errors: 0, warnings: 1 });
  });

  it('from package.json’s "pgtandem" key', async () => {
    const root = await tree({ 'package.json': JSON.stringify({ name: 'app', pgtandem: { rules: { 'ban-drop-column': 'warn' } } }) });
    const result = await lint({ cwd: root, sources: [source] });
    expect(result.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['require-concurrent-index-creation error', 'ban-drop-column warn']);
  });

  it('options.config overrides the file rule by rule', async () => {
    const root = await tree({
      'pgtandem.config.json': JSON.stringify({ rules: { 'require-concurrent-index-creation': 'off', 'ban-drop-column': 'warn' } }),
    });
    const result = await lint({ cwd: root, sources: [source], config: { rules: { 'require-concurrent-index-creation': 'warn' } } });
    expect(result.findings.map((f) => `${f.rule} ${f.severity}`)).toEqual(['require-concurrent-index-creation warn', 'ban-drop-column warn']);
  });

  it('configFile: false ignores the file found from cwd', async () => {
    const root = await tree({ 'pgtandem.config.json': JSON.stringify({ rules: { 'ban-drop-column': 'off' } }) });
    const result = await lint({ cwd: root, configFile: false, sources: [source] });
    expect(result.findings.map((f) => f.rule)).toEqual(['require-concurrent-index-creation', 'ban-drop-column']);
  });

  it('configFile names the file to read', async () => {
    const root = await tree({ 'ci/strict.json': JSON.stringify({ rules: { 'require-concurrent-index-creation': 'off' } }) });
    const result = await lint({ cwd: root, configFile: 'ci/strict.json', sources: [source] });
    expect(result.findings.map((f) => f.rule)).toEqual(['ban-drop-column']);
  });

  it('assumeInTransaction from the config file reaches foreign files', async () => {
    const root = await tree({ 'pgtandem.config.json': '{ "assumeInTransaction": false }' });
    const plain = { path: 'sql/0001_index.sql', text: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n', layout: 'plain' as const };
    expect((await lint({ cwd: root, sources: [plain] })).findings).toEqual([]);
    expect((await lint({ configFile: false, sources: [plain] })).findings.map((f) => f.rule)).toEqual(['ban-concurrent-index-creation-in-transaction']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
