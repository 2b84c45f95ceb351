import { describe, expect, it } from 'vitest';
import type { RuleSetting } from '../../src/lint/severity.js';
import { lint } from '../../src/lint/lint.js';
import { coreFindings } from '../support/core-rules.js';
import { buildSegments, phaseMarkers } from '../../src/migrations/segments.js';

/** Lints one native migration; each finding reads `<rule> (<severity>) at <line>:<column>`. */
async function findings(text: string, rules: Record<string, RuleSetting> = {}): Promise<string[]> {
  const result = await lint({ sources: [{ path: 'migrations/0001_change.sql', text, layout: 'native' }], configFile: false, config: { rules } });
  return coreFindings(result.findings).map((f) => `${f.rule} (${f.severity}) at ${f.line}:${f.column}`);
}

async function unusedIgnoreMessages(text: string): Promise<string[]> {
  const result = await lint({ sources: [{ path: 'migrations/0001_change.sql', text, layout: 'native' }], configFile: false });
  return result.findings.filter((f) => f.rule === 'unused-ignore').map((f) => f.message);
}

/** Every finding, not only the core rules': squawk-ignore must leave pgtandem-only rules alone. */
async function allFindings(text: string): Promise<string[]> {
  const result = await lint({ sources: [{ path: 'migrations/0001_change.sql', text, layout: 'native' }], configFile: false });
  return result.findings.map((f) => `${f.rule} (${f.severity}) at ${f.line}:${f.column}`);
}

const createIndex = (name: string): string => `CREATE INDEX ${name} ON users (${name});`;

describe('-- pgtandem-ignore <rule>: <reason>', () => {
  it('silences the next statement only, not the one after', async () => {
    const sql = [
      '-- pgtandem-ignore require-concurrent-index-creation: users has 40 rows',
      createIndex('a'),
      createIndex('b'),
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 3:1']);
  });

  it('silences every finding of a 30-line statement, and nothing in the statement after it', async () => {
    const columns = Array.from({ length: 29 }, (_, i) => `  ADD COLUMN c${i + 1} bigint NOT NULL`);
    const sql = [
      '-- pgtandem-ignore adding-required-field: the table is empty in every environment',
      'ALTER TABLE users',
      ...columns.map((c, i) => (i < columns.length - 1 ? `${c},` : `${c};`)),
      'ALTER TABLE users ADD COLUMN z bigint NOT NULL;',
      '',
    ].join('\n');
    // The statement is lines 2–31.
    expect(sql.split('\n')[30]).toBe('  ADD COLUMN c29 bigint NOT NULL;');
    expect(await findings(sql)).toEqual(['adding-required-field (error) at 32:19']);
  });

  it('silences only the rules it names: another rule on the same statement is still reported', async () => {
    const sql = [
      '-- pgtandem-ignore renaming-column: the ORM maps both names',
      'ALTER TABLE users RENAME COLUMN name TO full_name;',
      'ALTER TABLE users DROP COLUMN legacy;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['ban-drop-column (error) at 3:19']);
  });

  it('names two rules separated by a comma', async () => {
    const sql = [
      '-- pgtandem-ignore ban-drop-column, adding-required-field: the table is unused',
      'ALTER TABLE users DROP COLUMN legacy, ADD COLUMN tenant_id bigint NOT NULL;',
      'ALTER TABLE users DROP COLUMN other;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['ban-drop-column (error) at 3:19']);
  });

  it('inside a multi-line statement applies to that statement', async () => {
    const sql = [
      'CREATE INDEX users_email_idx',
      '  -- pgtandem-ignore require-concurrent-index-creation: built before launch',
      '  ON users (email);',
      createIndex('b'),
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 4:1']);
  });

  it('reaches across blank lines and other comments to the next statement', async () => {
    const sql = [
      '-- pgtandem-ignore require-concurrent-index-creation: small table',
      '',
      '-- index for the login query',
      createIndex('a'),
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });

  it('block form /* pgtandem-ignore <rule> */ works the same', async () => {
    const sql = ['/* pgtandem-ignore require-concurrent-index-creation */', createIndex('a'), createIndex('b'), ''].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 3:1']);
  });

  it('can silence a syntax error in a templated statement', async () => {
    const sql = ['-- pgtandem-ignore syntax-error: rendered by the deploy script', 'ALTER TABEL users ADD COLUMN x int;', 'ALTER TABEL users ADD COLUMN y int;', ''].join('\n');
    expect(await findings(sql)).toEqual(['syntax-error (error) at 3:7']);
  });
});

describe('-- pgtandem-ignore-file <rule>', () => {
  it('silences that rule in the whole file, before and after the comment, and no other rule', async () => {
    const sql = [
      createIndex('a'),
      '-- pgtandem-ignore-file require-concurrent-index-creation: built during the maintenance window',
      createIndex('b'),
      'DROP INDEX users_old_idx;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-deletion (error) at 4:1']);
  });

  it('names several rules', async () => {
    const sql = [
      '-- pgtandem-ignore-file require-concurrent-index-creation require-concurrent-index-deletion',
      createIndex('a'),
      'DROP INDEX users_old_idx;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });
});

describe('unused-ignore', () => {
  it('an unknown rule id is one warning at the comment’s line, and the finding it meant to silence stays', async () => {
    const sql = ['SELECT 1;', '-- pgtandem-ignore require-concurent-index-creation: typo', createIndex('a'), ''].join('\n');
    expect(await findings(sql)).toEqual(['unused-ignore (warn) at 2:1', 'require-concurrent-index-creation (error) at 3:1']);
    expect(await unusedIgnoreMessages(sql)).toEqual(['pgtandem-ignore names unknown rule "require-concurent-index-creation" (did you mean "require-concurrent-index-creation"?)']);
  });

  it('an ignore that matches nothing is one warning at the comment’s line', async () => {
    const sql = ['SELECT 1;', '', '-- pgtandem-ignore renaming-column: left over', 'ALTER TABLE users ADD COLUMN nickname text;', ''].join('\n');
    expect(await findings(sql)).toEqual(['unused-ignore (warn) at 3:1']);
    expect(await unusedIgnoreMessages(sql)).toEqual(['pgtandem-ignore for "renaming-column" matched no finding']);
  });

  it('of two rules named, the one that silenced nothing is reported', async () => {
    const sql = ['-- pgtandem-ignore ban-drop-column, renaming-column: cleanup', 'ALTER TABLE users DROP COLUMN legacy;', ''].join('\n');
    expect(await unusedIgnoreMessages(sql)).toEqual(['pgtandem-ignore for "renaming-column" matched no finding']);
  });

  it('an ignore with no statement after it is reported', async () => {
    const sql = [createIndex('a'), '-- pgtandem-ignore require-concurrent-index-creation: too late', ''].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 1:1', 'unused-ignore (warn) at 2:1']);
    expect(await unusedIgnoreMessages(sql)).toEqual(['pgtandem-ignore is not followed by any statement']);
  });

  it('an unused file-level ignore is reported', async () => {
    const sql = ['-- pgtandem-ignore-file ban-drop-table', 'SELECT 1;', ''].join('\n');
    expect(await findings(sql)).toEqual(['unused-ignore (warn) at 1:1']);
    expect(await unusedIgnoreMessages(sql)).toEqual(['pgtandem-ignore-file for "ban-drop-table" matched no finding']);
  });

  it('an ignore naming a rule that is off is not reported: nothing could have matched', async () => {
    const sql = ['-- pgtandem-ignore renaming-column: kept for when it is on again', 'SELECT 1;', ''].join('\n');
    expect(await findings(sql, { 'renaming-column': 'off' })).toEqual([]);
  });

  it("rules: { 'unused-ignore': 'off' } silences those warnings", async () => {
    const sql = [
      '-- pgtandem-ignore no-such-rule: typo',
      '-- pgtandem-ignore renaming-column: left over',
      'SELECT 1;',
      '-- pgtandem-ignore ban-drop-table: nothing after',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['unused-ignore (warn) at 1:1', 'unused-ignore (warn) at 2:1', 'unused-ignore (warn) at 4:1']);
    expect(await findings(sql, { 'unused-ignore': 'off' })).toEqual([]);
  });

  it("rules: { 'unused-ignore': 'error' } makes them errors", async () => {
    const sql = ['-- pgtandem-ignore renaming-column: left over', 'SELECT 1;', ''].join('\n');
    expect(await findings(sql, { 'unused-ignore': 'error' })).toEqual(['unused-ignore (error) at 1:1']);
  });
});

describe('-- squawk-ignore <rule>[, <rule>] (squawk’s syntax)', () => {
  it('silences a rule whose id squawk shares on the next statement only', async () => {
    const sql = ['-- squawk-ignore require-concurrent-index-creation', createIndex('a'), createIndex('b'), ''].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 3:1']);
  });

  it('names several rules separated by commas, with or without spaces', async () => {
    const sql = [
      '-- squawk-ignore ban-drop-column,adding-required-field , renaming-column',
      'ALTER TABLE users DROP COLUMN legacy, ADD COLUMN tenant_id bigint NOT NULL;',
      'ALTER TABLE users DROP COLUMN other;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['ban-drop-column (error) at 3:19']);
  });

  it('block form /* squawk-ignore <rule> */ and a trailing comment after -- work', async () => {
    const sql = [
      '/* squawk-ignore require-concurrent-index-creation */',
      createIndex('a'),
      '-- squawk-ignore require-concurrent-index-deletion -- the table has 12 rows',
      'DROP INDEX users_old_idx;',
      createIndex('b'),
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-creation (error) at 5:1']);
  });

  it('does not silence a pgtandem-only rule, even when named', async () => {
    const sql = ['-- squawk-ignore ban-drop-default', 'ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;', ''].join('\n');
    expect(await allFindings(sql)).toEqual(['ban-drop-default (warn) at 2:19']);
  });

  it('with no rule names silences every shared rule on the statement, and still not pgtandem-only ones', async () => {
    const sql = [
      '-- squawk-ignore',
      'ALTER TABLE users RENAME COLUMN name TO full_name;',
      '-- squawk-ignore',
      'ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;',
      '',
    ].join('\n');
    expect(await allFindings(sql)).toEqual(['ban-drop-default (warn) at 4:19']);
  });

  it('squawk-only and unknown names, and an ignore that silences nothing, are not reported as unused-ignore', async () => {
    const sql = [
      '-- squawk-ignore prefer-timestamp-tz, require-timeout-settings, no-such-rule',
      'ALTER TABLE users ADD COLUMN seen_at timestamptz;',
      '-- squawk-ignore renaming-column',
      'ALTER TABLE users ADD COLUMN nickname text;',
      '-- squawk-ignore-file ban-drop-table, ban-drop-database',
      '-- squawk-ignore require-concurrent-index-creation',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
    expect(await unusedIgnoreMessages(sql)).toEqual([]);
  });

  it('-- squawk-ignore-file <rule> silences that shared rule in the whole file, and no other rule', async () => {
    const sql = [
      createIndex('a'),
      '-- squawk-ignore-file require-concurrent-index-creation',
      createIndex('b'),
      'DROP INDEX users_old_idx;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual(['require-concurrent-index-deletion (error) at 4:1']);
  });

  it('-- squawk-ignore-file with no names silences every shared rule in the file', async () => {
    const sql = ['-- squawk-ignore-file', createIndex('a'), 'DROP INDEX users_old_idx;', 'ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;', ''].join('\n');
    expect(await allFindings(sql)).toEqual(['ban-drop-default (warn) at 4:19']);
  });

  it('a pgtandem-ignore naming an unknown rule next to it is still reported', async () => {
    const sql = ['-- squawk-ignore renaming-colum', '-- pgtandem-ignore renaming-colum: typo', 'ALTER TABLE users RENAME COLUMN name TO full_name;', ''].join('\n');
    expect(await findings(sql)).toEqual(['unused-ignore (warn) at 2:1', 'renaming-column (error) at 3:19']);
  });
});

describe('an ignore comment at the end of a statement’s line', () => {
  it('silences that statement, not the next one', async () => {
    const result = await lint({
      sources: [
        {
          path: 'm/0001_trailing.sql',
          text: 'CREATE INDEX a_idx ON a (x); -- pgtandem-ignore require-concurrent-index-creation: tiny table\nCREATE INDEX b_idx ON b (x);\n',
          layout: 'native',
        },
      ],
      configFile: false,
    });
    expect(coreFindings(result.findings).map((f) => `${f.rule} ${f.line}`)).toEqual(['require-concurrent-index-creation 2']);
  });
});

describe('-- pgtandem:no-batch is a statement directive, not a section marker', () => {
  const sql = [
    '-- pgtandem:expand',
    'ALTER TABLE users ADD COLUMN email_lower text;',
    '-- pgtandem:migrate',
    '-- pgtandem:no-batch',
    'UPDATE users SET email_lower = lower(email);',
    '-- pgtandem:no-batching',
    'UPDATE users SET email_lower = NULL WHERE false;',
    '-- pgtandem:migrat',
    'UPDATE users SET email_lower = NULL WHERE false;',
    '',
  ].join('\n');

  it('is accepted by the linter, while unknown words are still reported', async () => {
    const result = await lint({ sources: [{ path: 'migrations/0001_change.sql', text: sql, layout: 'native' }], configFile: false });
    const markers = result.findings.filter((f) => f.rule === 'syntax-error').map((f) => `${f.line}:${f.column} ${f.phase} ${f.message}`);
    expect(markers).toEqual([
      '6:1 migrate Unknown section marker "pgtandem:no-batching": the statements below it stay in the previous phase.',
      '8:1 migrate Unknown section marker "pgtandem:migrat": the statements below it stay in the previous phase.',
    ]);
  });

  it('does not cut the section: the statement below it stays in migrate', () => {
    expect(phaseMarkers(sql).map((m) => (m.effect.kind === 'phase' ? m.effect.phase : m.effect.kind))).toEqual(['expand', 'migrate']);
    const segments = buildSegments(sql, phaseMarkers(sql), true);
    const update = sql.indexOf('UPDATE users SET email_lower = lower');
    expect(segments.find((s) => s.start <= update && update < s.end)?.phase).toBe('migrate');
  });
});
