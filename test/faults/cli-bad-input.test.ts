import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// Issue 9, bad input and secrets: every case gets one clear line on stderr and exit 2,
// and the password of a connection URL never shows, whatever the command.
const PASSWORD = 'hunter2-Zq9';
const UNREACHABLE = `postgres://app:${PASSWORD}@127.0.0.1:1/shop`;
const MALFORMED = `postgres://app:${PASSWORD}@[not-a-host/shop`;
// Issue 15: a password with an unencoded '@' and ':' — where the parse breaks is inside the password.
const SPLIT_PASSWORD = 'Qj5@Wr8:Zt3';
const MALFORMED_PASSWORD = `postgres://u:${SPLIT_PASSWORD}@[bad/db`;

function project(files: Record<string, string>): string {
  const dir = tempDir('pgtandem-faults-cli-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const MIGRATION = { 'db/0001_init.sql': '-- pgtandem:expand\nCREATE TABLE t (id bigint PRIMARY KEY);\n' };

describe('the password of a database URL never appears in any output', () => {
  const commands: [string, string[]][] = [
    ['lint', ['lint', 'db', '--database-url']],
    ['expand', ['expand', '--dir', 'db', '--database-url']],
    ['migrate', ['migrate', '--dir', 'db', '--database-url']],
    ['contract', ['contract', '--dir', 'db', '--database-url']],
    ['abort', ['abort', '--dir', 'db', '--database-url']],
    ['status', ['status', '--dir', 'db', '--database-url']],
    ['status --format json', ['status', '--format', 'json', '--dir', 'db', '--database-url']],
    ['demo', ['demo', '--database-url']],
  ];
  it.each(commands.flatMap(([name, args]) => [
    [name, 'unreachable', [...args, UNREACHABLE]],
    [name, 'malformed', [...args, MALFORMED]],
    [name, 'unencoded @ in the password', [...args, MALFORMED_PASSWORD]],
  ]))('%s, %s URL: exit 2, one line, no password', async (_name, kind, args) => {
    const dir = project(MIGRATION);
    const run = await runCli(args as string[], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    for (const part of SPLIT_PASSWORD.split(/[@:]/)) expect(run.stdout + run.stderr).not.toContain(part);
    // A URL that does not parse is a usage error that says so, not an internal error.
    expect(run.stderr).not.toContain('internal error');
    if (kind !== 'unreachable') expect(run.stderr).toContain('does not parse as a URL');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^pgtandem: /);
  });

  it('verify --shadow given a URL: points at --shadow-url without echoing it', async () => {
    const dir = project(MIGRATION);
    const run = await runCli(['verify', 'db', '--shadow', MALFORMED_PASSWORD], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--shadow-url');
    for (const part of SPLIT_PASSWORD.split(/[@:]/)) expect(run.stderr).not.toContain(part);
  });

  it('from DATABASE_URL too', async () => {
    const dir = project(MIGRATION);
    const run = await runCli(['expand', '--dir', 'db'], { cwd: dir, env: { DATABASE_URL: UNREACHABLE } });
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });
});

describe('bad input: one clear line and exit 2', () => {
  it.each([
    ['malformed config', { ...MIGRATION, 'pgtandem.config.json': '{ "rules": { "ban-drop-column": "error", }' }, ['lint', 'db'], /pgtandem\.config\.json:1:\d+: /],
    ['unknown rule id in config', { ...MIGRATION, 'pgtandem.config.json': '{ "rules": { "ban-drop-colum": "off" } }' }, ['lint', 'db'], /unknown rule "ban-drop-colum".*ban-drop-column/],
    ['a setting of the wrong type', { ...MIGRATION, 'pgtandem.config.json': '{ "batchSize": "many" }' }, ['lint', 'db'], /batchSize must be a whole number/],
    ['a missing directory', MIGRATION, ['lint', 'nowhere'], /nowhere/],
    ['a directory without migrations', { 'empty/README.md': 'x' }, ['lint', 'empty'], /no SQL migrations found in empty/],
    ['an unknown format', MIGRATION, ['lint', 'db', '--format', 'xml'], /xml/],
    ['a runner command without a database', MIGRATION, ['expand', '--dir', 'db'], /no database: pass --database-url/],
    ['a runner command without migrations', MIGRATION, ['status', '--dir', 'nowhere', '--database-url', UNREACHABLE], /nowhere|no migrations/],
  ])('%s', async (_case, files, args, message) => {
    const dir = project(files as Record<string, string>);
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable migration file', async () => {
    const dir = project(MIGRATION);
    chmodSync(join(dir, 'db/0001_init.sql'), 0o000);
    const run = await runCli(['lint', 'db'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('0001_init.sql');
  });
});
