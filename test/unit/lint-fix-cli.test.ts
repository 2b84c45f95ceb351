import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempProject } from '../support/temp-dir.js';

async function run(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, isTTY: false, cwd };
  const code = await main(['node', 'pgtandem', ...args], io);
  return { code, stdout, stderr };
}

function project(files: Record<string, string>): string {
  return tempProject('pgtandem-fix-', files);
}

const INDEX = '-- pgtandem:expand\nCREATE INDEX orders_status_idx ON orders (status); -- lookups\n';
const RENAME = '-- pgtandem:expand\nALTER TABLE users RENAME COLUMN name TO full_name;\n';

describe('pgtandem lint --fix', () => {
  it('--dry-run prints a unified diff, says what it cannot fix, and writes nothing', async () => {
    const cwd = project({ 'migrations/0001_index.sql': INDEX, 'migrations/0002_rename.sql': RENAME });
    const result = await run(['lint', '--fix', '--dry-run', 'migrations'], cwd);
    expect(result.stdout).toBe(
      '--- a/migrations/0001_index.sql\n+++ b/migrations/0001_index.sql\n@@ -1,2 +1,2 @@\n -- pgtandem:expand\n' +
        '-CREATE INDEX orders_status_idx ON orders (status); -- lookups\n+CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status); -- lookups\n',
    );
    // No migration before it defines users: the recipe needs the column's type, and the command says so.
    expect(result.stderr).toContain('migrations/0002_rename.sql:2:19: renaming-column: not fixed: rename-column: the migrations directory does not define users.name: pass --type');
    expect(result.stderr).toContain('scaffold it with pgtandem new rename-column users name full_name');
    expect(result.stderr).toContain('1 finding fixable in 1 file; 1 not (nothing written).');
    expect(result.code).toBe(1);
    expect(readFileSync(join(cwd, 'migrations/0001_index.sql'), 'utf8')).toBe(INDEX);
  });

  it('writes the fixes, then reports what is left', async () => {
    const cwd = project({ 'migrations/0001_index.sql': INDEX, 'migrations/0002_rename.sql': RENAME });
    const result = await run(['lint', '--fix', '--format', 'json', 'migrations'], cwd);
    expect(readFileSync(join(cwd, 'migrations/0001_index.sql'), 'utf8')).toBe(INDEX.replace('INDEX orders', 'INDEX CONCURRENTLY orders'));
    expect(readFileSync(join(cwd, 'migrations/0002_rename.sql'), 'utf8')).toBe(RENAME);
    expect(result.stderr).toBe('migrations/0002_rename.sql:2:19: renaming-column: scaffold it: pgtandem new rename-column users name full_name\nfixed 1 finding in 1 file\n');
    expect(JSON.parse(result.stdout).findings.map((f: { rule: string }) => f.rule)).toEqual(['renaming-column']);
    expect(result.code).toBe(1);
    // Nothing left to fix: a second run changes nothing.
    const again = await run(['lint', '--fix', 'migrations'], cwd);
    expect(again.stderr).not.toContain('fixed');
  });

  it('with the table in the history, a native rename is rewritten into the recipe’s phases', async () => {
    const cwd = project({ 'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text);\n', 'migrations/0002_rename.sql': RENAME });
    const result = await run(['lint', '--fix', '--format', 'json', 'migrations'], cwd);
    const fixed = readFileSync(join(cwd, 'migrations/0002_rename.sql'), 'utf8');
    expect(fixed).toMatch(/^-- pgtandem:expand\n-- lint --fix: pgtandem new rename-column users name full_name\nALTER TABLE users ADD COLUMN full_name text;\n/);
    expect(fixed).toContain('-- pgtandem:migrate\nUPDATE users SET full_name = name WHERE full_name IS NULL AND name IS NOT NULL;\n');
    expect(fixed).toContain('-- pgtandem:contract\nDROP TRIGGER users_sync_name_full_name ON users;\n');
    expect(JSON.parse(result.stdout).findings).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('another tool’s one-transaction file: the VALIDATE goes into a new migration after it, shown as a new file and then written', async () => {
    const files = { 'migrations/000001_orders.up.sql': 'CREATE TABLE orders (id bigint, total numeric);\n', 'migrations/000002_check.up.sql': "SET lock_timeout = '2s';\nSET statement_timeout = '30s';\nALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);\n" };
    const cwd = project(files);
    const dry = await run(['lint', '--fix', '--dry-run', 'migrations'], cwd);
    expect(dry.stdout).toContain('--- /dev/null\n+++ b/migrations/000003_check_validate.up.sql\n@@ -0,0 +1,1 @@\n+ALTER TABLE orders VALIDATE CONSTRAINT total_positive;\n');
    expect(dry.stdout).toContain('+++ b/migrations/000003_check_validate.down.sql\n');
    const result = await run(['lint', '--fix', 'migrations'], cwd);
    expect(readFileSync(join(cwd, 'migrations/000002_check.up.sql'), 'utf8')).toContain('CHECK (total >= 0) NOT VALID;\n');
    expect(readFileSync(join(cwd, 'migrations/000003_check_validate.up.sql'), 'utf8')).toBe('ALTER TABLE orders VALIDATE CONSTRAINT total_positive;\n');
    expect(result.code).toBe(0);
  });

  it('--dry-run without --fix is a usage error', async () => {
    const cwd = project({ 'migrations/0001_index.sql': INDEX });
    const result = await run(['lint', '--dry-run', 'migrations'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--dry-run goes with --fix');
  });
});
