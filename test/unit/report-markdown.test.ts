import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lint/finding.js';
import { makeFinding, makeResult } from '../support/findings.js';
import { formatMarkdown } from '../../src/report/markdown.js';

const finding = makeFinding;
const result = (findings: Finding[]) => makeResult(findings, 4);

/** Table rows: lines starting with `|` after the header and the delimiter row. */
function rows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('|')).slice(2);
}

describe('formatMarkdown', () => {
  it('prints a short ✅ line for a clean result', () => {
    expect(formatMarkdown(result([]))).toBe('✅ **pgtandem**: 4 files, no problems\n');
  });

  it('starts with a heading carrying the counts, then the table', () => {
    const out = formatMarkdown(
      result([finding({}), finding({ severity: 'warn', rule: 'require-timeout', file: 'migrations/002.sql', line: 1, phase: 'migrate' })]),
    );
    const lines = out.split('\n');
    expect(lines[0]).toBe('### ❌ pgtandem: 2 problems (1 error, 1 warning) in 4 files');
    expect(lines).toContain('| | File | Line | Rule | Phase | Message |');
    expect(rows(out)).toEqual([
      '| ❌ | `migrations/001_rename.sql` | 3 | `renaming-column` | expand | Renaming a column breaks the running version. |',
      '| ⚠️ | `migrations/002.sql` | 1 | `require-timeout` | migrate | Renaming a column breaks the running version. |',
    ]);
  });

  it('uses a warning heading when there are only warnings', () => {
    expect(formatMarkdown(result([finding({ severity: 'warn' })])).split('\n')[0]).toBe(
      '### ⚠️ pgtandem: 1 problem (0 errors, 1 warning) in 4 files',
    );
  });

  it('escapes pipes and newlines so each finding stays one row', () => {
    const out = formatMarkdown(
      result([finding({ file: 'db/a|b.sql', message: 'col `a|b` is <b>bold</b>\r\nsecond line\nthird' })]),
    );
    const [row] = rows(out);
    expect(rows(out)).toHaveLength(1);
    expect(row).toBe(
      '| ❌ | `db/a\\|b.sql` | 3 | `renaming-column` | expand | col \\`a\\|b\\` is \\<b\\>bold\\</b\\><br>second line<br>third |',
    );
    // Every unescaped pipe is a cell border: 7 borders for 6 columns.
    expect(row!.replace(/\\\|/g, '').split('|')).toHaveLength(8);
  });

  it('fences a code span around backticks in a file name', () => {
    const [row] = rows(formatMarkdown(result([finding({ file: 'odd`name.sql' })])));
    expect(row).toContain('| ``odd`name.sql`` |');
  });

  it('adds one <details> section per rule with help and docs link', () => {
    const out = formatMarkdown(
      result([
        finding({}),
        finding({ line: 9, endLine: 9 }),
        finding({
          rule: 'require-timeout',
          severity: 'warn',
          help: 'SET lock_timeout first.\nThen retry.',
          docs: 'https://github.com/pgtandem/pgtandem/blob/main/docs/rules/require-timeout.md',
        }),
      ]),
    );
    expect(out.match(/<details>/g)).toHaveLength(2);
    expect(out).toContain(
      [
        '<details>',
        '<summary><code>renaming-column</code> — 2 findings</summary>',
        '',
        'Add the new column in expand.',
        '',
        '[Documentation](https://github.com/pgtandem/pgtandem/blob/main/docs/rules/renaming-column.md)',
        '',
        '</details>',
      ].join('\n'),
    );
    expect(out).toContain('<summary><code>require-timeout</code> — 1 finding</summary>\n\nSET lock\\_timeout first.\\\nThen retry.');
  });

  it('truncates a huge table so a PR comment still posts', () => {
    const many = Array.from({ length: 250 }, (_, i) => finding({ line: i + 1, endLine: i + 1 }));
    const out = formatMarkdown(result(many));
    expect(rows(out)).toHaveLength(200);
    expect(out).toContain('…and 50 more');
    expect(out.length).toBeLessThan(65_536);
  });
});
