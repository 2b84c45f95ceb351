import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { SQUAWK_RULES } from '../../src/lint/squawk-rules.js';
import { tempDir } from '../support/temp-dir.js';

const page = readFileSync(new URL('../../docs/squawk.md', import.meta.url), 'utf8');
const ruleIds = new Set(rules.map((r) => r.id));
const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The rows of the "## Rules" table: squawk id, the pgtandem ids named, the note. */
function ruleRows(): { squawk: string; pgtandem: string[]; cell: string; note: string }[] {
  const section = page.slice(page.indexOf('## Rules'), page.indexOf('\n## ', page.indexOf('## Rules') + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [squawk, pgtandem, note] = line.slice(1, -1).split(' | ').map((c) => c.trim());
      return { squawk: ticked(squawk!)[0]!, pgtandem: ticked(pgtandem!), cell: pgtandem!, note: note! };
    });
}

describe('docs/squawk.md', () => {
  it('has one row per squawk rule, in the order of the mapping, naming the pgtandem rules the mapping names', () => {
    const rows = ruleRows();
    expect(rows.map((r) => r.squawk)).toEqual(Object.keys(SQUAWK_RULES));
    for (const row of rows) {
      expect(row.pgtandem, row.squawk).toEqual(SQUAWK_RULES[row.squawk]!.covered);
      if (row.pgtandem.length === 0) expect(row.cell, row.squawk).toBe('no equivalent');
      expect(row.note.startsWith('same id'), `${row.squawk}: "same id" exactly when the ids match`).toBe(row.pgtandem.includes(row.squawk));
    }
  });

  it('names only pgtandem rules that exist, and names every one of them somewhere', () => {
    const named = new Set(ruleRows().flatMap((r) => r.pgtandem));
    for (const id of named) expect(ruleIds.has(id), id).toBe(true);
    const onlyOurs = page.slice(page.indexOf('pgtandem rules squawk has no counterpart for'), page.indexOf('[The full list]'));
    for (const id of ticked(onlyOurs)) expect(ruleIds.has(id), id).toBe(true);
    const everywhere = new Set([...named, ...ticked(onlyOurs)]);
    expect([...ruleIds].filter((id) => !everywhere.has(id))).toEqual([]);
  });

  it('every squawk id of the mapping is a rule the installed squawk knows', () => {
    const squawk = fileURLToPath(new URL('../../node_modules/.bin/squawk', import.meta.url));
    const dir = tempDir('pgtandem-squawk-');
    writeFileSync(join(dir, 'ok.sql'), 'SELECT 1;\n');
    writeFileSync(join(dir, 'reported.sql'), '-- squawk-ignore no-such-rule\nSELECT 1;\n');
    writeFileSync(join(dir, 'broken.sql'), 'SELEC 1;\n');
    const run = (args: string[]) => spawnSync(squawk, ['--reporter', 'gcc', ...args], { cwd: dir, encoding: 'utf8' });
    // squawk refuses to --exclude a name it does not know (and these two, which it always reports).
    const reportedOnly = ['syntax-error', 'unused-ignore'];
    const excludable = Object.keys(SQUAWK_RULES).filter((id) => !reportedOnly.includes(id));
    expect(run([`--exclude=${excludable.join(',')}`, 'ok.sql']).status).toBe(0);
    expect(run(['--exclude=no-such-rule', 'ok.sql']).status).toBe(2);
    const reported = run(['reported.sql', 'broken.sql']).stdout;
    for (const id of reportedOnly) expect(reported).toContain(` ${id} `);
  });
});
