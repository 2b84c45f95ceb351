import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));

/**
 * Reads .pre-commit-hooks.yaml: a list of flat mappings of scalars (all the
 * file uses), refusing any line that is not a comment, `- key: value` or
 * `key: value`, so a broken file fails here rather than in users' hooks.
 */
function readHooks(text: string): Record<string, string | boolean>[] {
  const hooks: Record<string, string | boolean>[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const match = /^(- |  )([a-z_]+): (.+)$/.exec(line);
    if (!match) throw new Error(`line ${index + 1}: not "- key: value" or "  key: value": ${line}`);
    if (match[1] === '- ') hooks.push({});
    const hook = hooks.at(-1);
    if (!hook) throw new Error(`line ${index + 1}: a key before the first "- "`);
    const raw = match[3]!;
    const value = /^'(.*)'$/.exec(raw)?.[1]?.replace(/''/g, "'") ?? (raw === 'true' || raw === 'false' ? raw === 'true' : raw);
    if (typeof value === 'string' && /^["'[{&*!|>%@`]/.test(value)) throw new Error(`line ${index + 1}: a value this check cannot read: ${raw}`);
    hook[match[2]!] = value;
  }
  return hooks;
}

const hooks = readHooks(readFileSync(new URL('../../.pre-commit-hooks.yaml', import.meta.url), 'utf8'));

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });
}

describe('.pre-commit-hooks.yaml', () => {
  it('declares one hook, pgtandem, running lint --staged without file names', () => {
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: 'pgtandem', entry: 'pgtandem lint --staged', language: 'node', pass_filenames: false });
  });

  it('runs only for .sql files and <version>_<name>.ts/.js migrations', () => {
    // pre-commit matches with Python's re.search; these patterns mean the same in JavaScript.
    const files = new RegExp(hooks[0]!.files as string);
    const exclude = new RegExp(hooks[0]!.exclude as string);
    const runs = (path: string) => files.test(path) && !exclude.test(path);
    for (const path of ['db/migrations/0001_users.sql', 'prisma/migrations/20240101_init/migration.sql', 'V1__init.sql', 'migrations/0004_backfill.ts', 'db/20240101120000_emails.mjs', 'migrations/0002_x.js']) {
      expect(runs(path), path).toBe(true);
    }
    for (const path of ['src/app.ts', 'README.md', 'migrations/helpers.ts', 'migrations/0001_types.d.ts', 'sql.txt', 'src/v2_api.tsx']) {
      expect(runs(path), path).toBe(false);
    }
  });

  it('its entry, with no arguments, lints only the staged migrations of a git repository', () => {
    const repo = tempDir('pgtandem-hook-');
    writeFileSync(join(repo, 'pgtandem.config.json'), '{ "migrationsDir": "db" }\n');
    mkdirSync(join(repo, 'db'));
    writeFileSync(join(repo, 'db/0001_users.sql'), '-- pgtandem:expand\nCREATE TABLE users (id bigint PRIMARY KEY, name text);\n');
    git(repo, 'init', '-q');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'base');
    writeFileSync(join(repo, 'db/0002_rename.sql'), '-- pgtandem:expand\nALTER TABLE users RENAME COLUMN name TO full_name;\n');
    writeFileSync(join(repo, 'db/0003_unstaged.sql'), '-- pgtandem:expand\nDROP TABLE users;\n');
    git(repo, 'add', 'db/0002_rename.sql');
    const args = (hooks[0]!.entry as string).split(' ').slice(1);

    const staged = spawnSync(process.execPath, [BIN, ...args, '--format', 'json'], { cwd: repo, encoding: 'utf8' });
    expect(staged.stderr).toBe('');
    expect(staged.status).toBe(1);
    const report = JSON.parse(staged.stdout) as { files: { path: string }[]; findings: { rule: string; file: string }[] };
    expect(report.files.map((f) => f.path)).toEqual(['db/0002_rename.sql']);
    expect(report.findings.map((f) => `${f.file} ${f.rule}`)).toEqual(['db/0002_rename.sql renaming-column']);

    // Once fixed and restaged, the commit may go ahead; the unstaged file is still not the hook's business.
    writeFileSync(join(repo, 'db/0002_rename.sql'), '-- pgtandem:expand\nALTER TABLE users ADD COLUMN full_name text;\n');
    git(repo, 'add', 'db/0002_rename.sql');
    const fixed = spawnSync(process.execPath, [BIN, ...args], { cwd: repo, encoding: 'utf8' });
    expect(fixed.status).toBe(0);
    expect(fixed.stdout).toContain('1 file');
  });
});
