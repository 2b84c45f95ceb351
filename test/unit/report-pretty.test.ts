import { describe, expect, it } from 'vitest';
import type { Finding, LintResult } from '../../src/lint/finding.js';
import { formatPretty } from '../../src/report/pretty.js';

const ANSI = /\u001b\[/;

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'renaming-column',
    severity: 'error',
    file: 'migrations/001_rename.sql',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 2,
    phase: 'expand',
    message: 'Renaming a column breaks the application version still running.',
    help: 'Add the new column in expand and drop the old one in contract.',
    docs: 'https://github.com/pgtandem/pgtandem/blob/main/docs/rules/renaming-column.md',
    ...overrides,
  };
}

function lintResult(text: string, findings: Finding[], path = 'migrations/001_rename.sql'): LintResult {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return {
    files: [{ path, statements: 1, layout: 'plain', text }],
    findings,
    summary: { files: 1, errors, warnings: findings.length - errors },
  };
}

/** Column (1-based, code points) of the first occurrence of `needle` in `line`. */
function columnOf(line: string, needle: string): number {
  const index = line.indexOf(needle);
  if (index < 0) throw new Error(`${needle} not in ${line}`);
  return [...line.slice(0, index)].length + 1;
}

function plain(text: string, findings: Finding[]): string[] {
  return formatPretty(lintResult(text, findings), { color: false }).split('\n');
}

describe('formatPretty code frame', () => {
  it('places the caret under a span after é and an emoji (code points, emoji two cells wide)', () => {
    const line = 'ALTER TABLE "café😀" RENAME COLUMN a TO b;';
    const column = columnOf(line, 'RENAME');
    expect(column).toBe(21);
    const out = plain(`BEGIN;\n${line}\nCOMMIT;\n`, [
      finding({ line: 2, column, endLine: 2, endColumn: column + 'RENAME COLUMN a TO b'.length }),
    ]);
    expect(out).toContain(`  2 | ${line}`);
    // 19 code points before RENAME, but the emoji takes two terminal cells.
    expect(out).toContain(`    | ${' '.repeat(21)}${'^'.repeat(20)}`);
  });

  it('gives a decomposed é (e + combining accent) a single cell', () => {
    const line = 'ALTER TABLE "cafe\u0301" DROP COLUMN x;';
    const column = columnOf(line, 'DROP');
    expect(column).toBe(21);
    const out = plain(line, [finding({ column, endColumn: column + 4 })]);
    // 20 code points before DROP, the accent occupies no cell of its own.
    expect(out).toContain(`    | ${' '.repeat(19)}^^^^`);
  });

  it('handles CRLF line endings without leaking carriage returns', () => {
    const line = 'ALTER TABLE "naïve" DROP COLUMN legacy;';
    const text = `BEGIN;\r\n${line}\r\nCOMMIT;\r\n`;
    const column = columnOf(line, 'DROP COLUMN legacy');
    const out = plain(text, [finding({ line: 2, column, endLine: 2, endColumn: column + 18 })]);
    expect(out.join('\n')).not.toMatch(/[\r␍]/);
    expect(out).toContain(`  2 | ${line}`);
    expect(out).toContain(`    | ${' '.repeat(column - 1)}${'^'.repeat(18)}`);
  });

  it('treats a lone CR as a line break', () => {
    const out = plain('BEGIN;\rDROP TABLE users;\rCOMMIT;', [
      finding({ line: 2, column: 1, endLine: 2, endColumn: 18 }),
    ]);
    expect(out).toContain('  2 | DROP TABLE users;');
    expect(out).toContain(`    | ${'^'.repeat(17)}`);
  });

  it('expands tabs to the same stops in the source line and the underline', () => {
    const line = '\tALTER TABLE\tt ADD x int;';
    const column = columnOf(line, 't ADD');
    const out = plain(line, [finding({ column, endColumn: column + 11 })]);
    // Tab → 4 cells, "ALTER TABLE" ends at cell 15, the next tab stop is 16.
    expect(out).toContain(`  1 |     ALTER TABLE t ADD x int;`);
    expect(out).toContain(`    | ${' '.repeat(16)}${'^'.repeat(11)}`);
  });

  it('underlines every line of a multi-line span', () => {
    const text = ['BEGIN;', 'CREATE INDEX idx_users_email', '  ON users (email);', 'COMMIT;'].join('\n');
    const out = plain(text, [finding({ line: 2, column: 1, endLine: 3, endColumn: 20 })]);
    const frame = out.slice(out.indexOf('  2 | CREATE INDEX idx_users_email'));
    expect(frame.slice(0, 4)).toEqual([
      '  2 | CREATE INDEX idx_users_email',
      `    | ${'^'.repeat(28)}`,
      '  3 |   ON users (email);',
      `    |   ${'^'.repeat(17)}`,
    ]);
    expect(out.join('\n')).not.toContain('COMMIT');
  });

  it('elides the middle of a long span', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `  col_${i + 1} int,`);
    const text = ['CREATE TABLE t (', ...lines, ');'].join('\n');
    const out = plain(text, [finding({ line: 1, column: 1, endLine: 14, endColumn: 3 })]);
    const sourceRows = out.filter((row) => /^ +\d+ \|/.test(row));
    expect(sourceRows.map((row) => row.trim().split(' ')[0])).toEqual(['1', '2', '3', '13', '14']);
    expect(out).toContain('   ⋮');
  });

  it('shows one caret for an empty span and one past the end for a point at the line end', () => {
    const out = plain('SELECT 1', [
      finding({ column: 3, endColumn: 3 }),
      finding({ rule: 'syntax-error', column: 9, endColumn: 9 }),
    ]);
    expect(out).toContain(`    |   ^`);
    expect(out).toContain(`    | ${' '.repeat(8)}^`);
  });

  it.each([
    ['a long line', `INSERT INTO t VALUES ${'(1),'.repeat(300)}(BAD);`],
    ['a generated 200k-character line, span in the middle', `INSERT INTO t VALUES ${'(1),'.repeat(25_000)}(BAD),${'(2),'.repeat(25_000)}(3);`],
    ['a 200k-character line, span at its end, astral characters before it', `SELECT '${'𝔸'.repeat(100_000)}', (BAD)`],
  ])('windows %s around the span and keeps the caret aligned', (_case, line) => {
    const column = columnOf(line, '(BAD)');
    const out = plain(line, [finding({ column, endColumn: column + 5 })]);
    const source = out.find((row) => row.startsWith('  1 | '));
    const carets = out.find((row) => row.startsWith('    | '));
    expect(source).toBeDefined();
    expect(carets).toBeDefined();
    expect(Array.from(source!).length).toBeLessThan(200);
    expect(source).toContain('…');
    // One cell per code point on these lines: the caret's cell is the source's code point.
    const at = carets!.indexOf('^');
    expect(Array.from(source!).slice(at, at + 5).join('')).toBe('(BAD)');
  });

  it('neutralises control characters and bidi overrides from the source', () => {
    const out = plain("SELECT '\u001b[31mred\u202e';", [finding({ column: 8, endColumn: 20 })]).join('\n');
    expect(out).not.toMatch(ANSI);
    expect(out).not.toContain('\u202e');
    expect(out).toContain('␛[31mred�');
  });

  it('prints header, message, help and docs, and skips the frame when the text is unknown', () => {
    const result = lintResult('SELECT 1;', [finding({ file: 'elsewhere.sql', line: 3, column: 19, endLine: 3, endColumn: 50 })]);
    const out = formatPretty(result, { color: false }).split('\n');
    expect(out[0]).toBe('elsewhere.sql:3:19  error  renaming-column  [expand]');
    expect(out[1]).toBe('  Renaming a column breaks the application version still running.');
    expect(out[2]).toBe('  help: Add the new column in expand and drop the old one in contract.');
    expect(out[3]).toBe('  docs: https://github.com/pgtandem/pgtandem/blob/main/docs/rules/renaming-column.md');
  });
});

describe('formatPretty ordering, summary and colour', () => {
  const text = 'DROP TABLE a;\nDROP TABLE b;\n';
  const findings = [
    finding({ line: 2, column: 1, endLine: 2, endColumn: 14, rule: 'b-rule' }),
    finding({ line: 1, column: 6, endLine: 1, endColumn: 11, rule: 'a-late', severity: 'warn' }),
    finding({ line: 1, column: 1, endLine: 1, endColumn: 5, rule: 'a-early' }),
  ];

  it('sorts findings by file, line, then column', () => {
    const out = formatPretty(lintResult(text, findings), { color: false });
    const headers = out.split('\n').filter((row) => row.startsWith('migrations/'));
    expect(headers).toEqual([
      'migrations/001_rename.sql:1:1  error  a-early  [expand]',
      'migrations/001_rename.sql:1:6  warning  a-late  [expand]',
      'migrations/001_rename.sql:2:1  error  b-rule  [expand]',
    ]);
  });

  it('ends with a one-line summary', () => {
    const result = { ...lintResult(text, findings), summary: { files: 4, errors: 2, warnings: 1 } };
    const out = formatPretty(result, { color: false });
    expect(out.endsWith('\n✖ 3 problems (2 errors, 1 warning) in 4 files\n')).toBe(true);
    const clean = { ...lintResult(text, []), summary: { files: 4, errors: 0, warnings: 0 } };
    expect(formatPretty(clean, { color: false })).toBe('✓ 4 files, no problems\n');
    const one = { ...lintResult(text, [findings[1]!]), summary: { files: 1, errors: 0, warnings: 1 } };
    expect(formatPretty(one, { color: false })).toContain('✖ 1 problem (0 errors, 1 warning) in 1 file');
  });

  it('emits no ANSI escapes without colour and some with it', () => {
    expect(formatPretty(lintResult(text, findings), { color: false })).not.toMatch(ANSI);
    expect(formatPretty(lintResult(text, findings), { color: true })).toMatch(ANSI);
  });
});
