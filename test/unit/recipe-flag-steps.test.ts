import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { runMain } from '../support/run-main.js';
import { tempDir } from '../support/temp-dir.js';

// `pgtandem new … --feature-flag <flag>`: the recipe's sections say which step of the flag's rollout goes with each.
describe('pgtandem new --feature-flag', () => {
  const project = () => {
    const dir = tempDir('pgtandem-flag-steps-');
    writeFileSync(join(dir, '0001_users.sql'), '-- pgtandem:expand\nCREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);\n');
    return dir;
  };
  const scaffold = async (dir: string, ...extra: string[]) => {
    const run = await runMain(['new', 'rename-column', 'users', 'name', 'full_name', '--dir', dir, '--stdout', ...extra], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };
  const sections = (text: string) => text.split(/^(?=-- pgtandem:)/m).slice(1);

  it('puts each flag step under the section it belongs to, and changes no statement', async () => {
    const dir = project();
    const flagged = await scaffold(dir, '--feature-flag', 'users-full-name');
    const plain = await scaffold(dir);
    const [expand, migrate, contract, abort] = sections(flagged);
    expect(flagged).toContain('-- Feature flag users-full-name: the same release runs both code paths');
    expect(expand).toMatch(/^-- pgtandem:expand\n-- flag users-full-name: once this ran, ship the release holding both code paths with users-full-name at 0%/);
    expect(migrate).toMatch(/^-- pgtandem:migrate\n-- flag users-full-name: still at 0% while this backfills; then roll it out 1% → 10% → 50% → 100%/);
    expect(contract).toMatch(/^-- pgtandem:contract\n-- flag users-full-name: at 100% and the old path removed \(or idle\), run: pgtandem contract --usage-window 30m/);
    expect(abort).toMatch(/^-- pgtandem:abort\n-- flag users-full-name: the change is dropped: set users-full-name to 0% first/);
    const code = (text: string) => text.split('\n').filter((line) => !line.startsWith('--') && line !== '');
    expect(code(flagged)).toEqual(code(plain));
  });

  it('the flagged migration lints clean, as the plain one does', async () => {
    const dir = project();
    writeFileSync(join(dir, '0002_rename.sql'), await scaffold(dir, '--feature-flag', 'users-full-name'));
    const result = await lint({ paths: [dir], configFile: false });
    expect(result.findings.filter((f) => f.severity === 'error' || f.severity === 'warn')).toEqual([]);
  });

  it('a flag name that is not one: one line, exit 2', async () => {
    const dir = project();
    const run = await runMain(['new', 'rename-column', 'users', 'name', 'full_name', '--dir', dir, '--stdout', '--feature-flag', 'two words'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('pgtandem: --feature-flag: "two words" is not a flag name (letters, digits, _ . : -)');
  });
});
