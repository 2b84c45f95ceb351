import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject } from '../support/temp-dir.js';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; isTTY?: boolean } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await main(['node', 'pgtandem', ...args], io);
  return { code, stdout, stderr };
}

function project(files: Record<string, string>): string {
  return tempProject('pgtandem-cli-', files);
}

const BAD = '-- pgtandem:expand\nALTER TABLE users RENAME COLUMN name TO full_name;\n';

describe('pgtandem lint', () => {
  it('exits 0 and says so on clean migrations', async () => {
    const result = await run(['lint', 'migrations-example']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('6 files, no problems');
  });

  it('exits 1 on error findings and prints the JSON contract', async () => {
    const dir = project({ 'db/0001_rename.sql': BAD });
    const result = await run(['lint', 'db', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['version', 'files', 'findings', 'summary']);
    expect(report.files).toEqual([{ path: join(dir, 'db/0001_rename.sql'), statements: 1 }]);
    expect(report.findings).toEqual([
      expect.objectContaining({ rule: 'renaming-column', severity: 'error', line: 2, column: 19, endLine: 2, endColumn: 50, phase: 'expand' }),
    ]);
    expect(Object.keys(report.findings[0])).toEqual(['rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'phase', 'message', 'help', 'docs']);
    expect(report.summary).toEqual({ files: 1, errors: 1, warnings: 0 });
  });

  it('exits 0 when only warnings remain', async () => {
    const dir = project({ 'db/0001_x.sql': BAD, 'pgtandem.config.json': '{ "rules": { "renaming-column": "warn" } }' });
    const result = await run(['lint', 'db'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 warning');
  });

  it('uses migrationsDir from the config when no path is given', async () => {
    const dir = project({ 'db/0001_x.sql': BAD, 'pgtandem.config.json': '{ "migrationsDir": "db" }' });
    const result = await run(['lint', '--format', 'github'], { cwd: join(dir) });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^::error file=.*0001_x\.sql,line=2,col=19,endLine=2,endColumn=50,title=renaming-column::/);
  });

  it('reads migrationsDir relative to the config file, from a subdirectory too', async () => {
    const dir = project({ 'db/0001_x.sql': BAD, 'pgtandem.config.json': '{ "migrationsDir": "db" }', 'src/app/index.ts': '' });
    const result = await run(['lint', '--format', 'json'], { cwd: join(dir, 'src/app') });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).files.map((f: { path: string }) => f.path)).toEqual([join(dir, 'db/0001_x.sql')]);
  });

  it.each([
    [['lint', 'no/such/dir'], /^pgtandem: .*no\/such\/dir/],
    [['lint', 'migrations-example', '--format', 'xml'], /^pgtandem: .*xml/],
    [['lint', 'migrations-example', '--pg-version', 'sixteen'], /^pgtandem: --pg-version: /],
    [['lint', 'migrations-example', '--since', 'main', '--staged'], /^pgtandem: --since and --staged cannot be combined/],
    [['lint', '--bogus'], /^pgtandem: unknown option '--bogus'/],
    [['frobnicate'], /^pgtandem: unknown command 'frobnicate'/],
  ])('exits 2 with one line for %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('exits 2 when a path holds no SQL migrations, so a misdirected CI gate cannot pass', async () => {
    const dir = project({ 'docs/readme.md': '# nothing here\n' });
    const result = await run(['lint', 'docs'], { cwd: dir });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe('pgtandem: no SQL migrations found in docs\n');
  });

  it('exits 2 naming file, line and column of a broken config', async () => {
    const dir = project({ 'db/0001_x.sql': BAD, 'pgtandem.config.json': '{\n  "pgVersion": 15,\n  "rules": { "renaming-column" "off" }\n}\n' });
    const result = await run(['lint', 'db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pgtandem\.config\.json:3:\d+: invalid JSON/);
  });

  it('exits 2 on an unknown rule in the config, with a suggestion', async () => {
    const dir = project({ 'db/0001_x.sql': BAD, 'pgtandem.config.json': '{ "rules": { "renaming-colum": "off" } }' });
    const result = await run(['lint', 'db'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown rule "renaming-colum" in rules (did you mean "renaming-column"?)');
  });

  it('colours only on a terminal, and honours NO_COLOR and FORCE_COLOR', async () => {
    const dir = project({ 'db/0001_x.sql': BAD });
    const ansi = /\u001b\[/;
    expect((await run(['lint', 'db'], { cwd: dir, isTTY: false })).stdout).not.toMatch(ansi);
    expect((await run(['lint', 'db'], { cwd: dir, isTTY: true })).stdout).toMatch(ansi);
    expect((await run(['lint', 'db'], { cwd: dir, isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ansi);
    expect((await run(['lint', 'db'], { cwd: dir, isTTY: false, env: { FORCE_COLOR: '1' } })).stdout).toMatch(ansi);
    expect((await run(['lint', 'db', '--format', 'json'], { cwd: dir, isTTY: true })).stdout).not.toMatch(ansi);
  });

  it('--help documents every lint option and the exit codes', async () => {
    const result = await run(['lint', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--format', '--pg-version', '--since', '--staged', '--config', 'Exit codes']) expect(result.stdout).toContain(option);
  });
});

describe('pgtandem lint with git', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });

  function repository(): string {
    const dir = project({ 'db/0001_old.sql': BAD });
    git(dir, 'init', '-q');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'old');
    git(dir, 'checkout', '-qb', 'feature');
    return dir;
  }

  it('--since lints only migrations added or changed since the merge base', async () => {
    const dir = repository();
    writeFileSync(join(dir, 'db/0002_new.sql'), '-- pgtandem:expand\nDROP TABLE sessions;\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-qm', 'new');
    writeFileSync(join(dir, 'db/0003_untracked.sql'), '-- pgtandem:expand\nALTER TABLE a RENAME TO b;\n');
    const report = JSON.parse((await run(['lint', 'db', '--since', 'main', '--format', 'json'], { cwd: dir })).stdout);
    expect(report.findings.map((f: { rule: string }) => f.rule)).toEqual(['ban-drop-table', 'renaming-table']);
  });

  it('--staged lints only staged migrations', async () => {
    const dir = repository();
    writeFileSync(join(dir, 'db/0002_staged.sql'), '-- pgtandem:expand\nDROP TABLE sessions;\n');
    writeFileSync(join(dir, 'db/0003_unstaged.sql'), '-- pgtandem:expand\nALTER TABLE a RENAME TO b;\n');
    git(dir, 'add', 'db/0002_staged.sql');
    const result = await run(['lint', 'db', '--staged', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(result.stdout).findings.map((f: { rule: string }) => f.rule)).toEqual(['ban-drop-table']);
  });

  it('--since with an unknown ref exits 2', async () => {
    const dir = repository();
    const result = await run(['lint', 'db', '--since', 'no-such-branch'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no-such-branch');
  });
});

describe('the installed binary', () => {
  it('runs `pgtandem lint migrations-example` from the build', () => {
    const result = spawnSync(process.execPath, ['bin/pgtandem.js', 'lint', 'migrations-example'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('no problems');
  });
});
