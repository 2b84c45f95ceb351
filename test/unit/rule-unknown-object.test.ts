import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { formatResult } from '../../src/report/format.js';
import { rules } from '../../rules/index.js';

const HISTORY = { path: 'db/0001_users.sql', text: '-- pgtandem:expand\nCREATE TABLE app.users (id bigint PRIMARY KEY);\n' };

async function lintWith(change: string) {
  return lint({
    sources: [HISTORY, { path: 'db/0002_change.sql', text: `-- pgtandem:expand\nSET search_path = app;\n${change}\n` }],
    configFile: false,
    config: { rules: { 'unknown-object': 'info' } },
  });
}

describe('unknown-object (off by default; an info note when enabled)', () => {
  it.each([
    ['a table an earlier migration created, through search_path', 'ALTER TABLE users ADD COLUMN nickname text;', []],
    ['a table no migration created', 'ALTER TABLE accounts ADD COLUMN nickname text;', ['accounts is not in the schema the earlier migrations build (search_path: app)']],
    ['a qualified name in another schema', 'CREATE INDEX CONCURRENTLY users_id_idx ON public.users (id);', ['public.users is not in the schema the earlier migrations build']],
    ['IF EXISTS: may be missing on purpose', 'ALTER TABLE IF EXISTS accounts ADD COLUMN nickname text;', []],
  ])('%s', async (_case, change, expected) => {
    const result = await lintWith(change);
    const notes = result.findings.filter((f) => f.rule === 'unknown-object');
    expect(notes.map((f) => f.message.split(':')[0])).toEqual(expected.map((m) => m.split(':')[0]));
    for (const note of notes) expect(note.severity).toBe('info');
  });

  it('an info note fails nothing and reads as a note in every format', async () => {
    const result = await lintWith('ALTER TABLE accounts ADD COLUMN nickname text;');
    expect(result.summary.errors).toBe(0);
    expect(result.summary.warnings).toBe(0);
    const options = { rules, color: false, toolVersion: 'test' };
    expect(formatResult('github', result, options)).toContain('::notice ');
    expect(JSON.parse(formatResult('sarif', result, options)).runs[0].results[0].level).toBe('note');
    expect(formatResult('pretty', result, options)).toContain('  info  unknown-object');
  });

  it('is off by default', async () => {
    const result = await lint({ sources: [{ path: 'db/0002_change.sql', text: 'ALTER TABLE accounts ADD COLUMN nickname text;\n' }], configFile: false });
    expect(result.findings.map((f) => f.rule)).not.toContain('unknown-object');
  });
});
