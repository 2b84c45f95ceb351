import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lint/finding.js';
import { makeFinding, makeResult } from '../support/findings.js';
import { formatGithub } from '../../src/report/github.js';

const finding = makeFinding;
const result = (findings: Finding[]) => makeResult(findings, 2);

describe('formatGithub', () => {
  it('prints one workflow command per finding and a plain summary line', () => {
    const out = formatGithub(result([finding({}), finding({ severity: 'warn', rule: 'require-timeout', line: 5, endLine: 5, column: 1, endColumn: 9 })]));
    expect(out.split('\n')).toEqual([
      '::error file=migrations/001_rename.sql,line=3,col=19,endLine=3,endColumn=50,title=renaming-column::Renaming a column breaks the running version.',
      '::warning file=migrations/001_rename.sql,line=5,col=1,endLine=5,endColumn=9,title=require-timeout::Renaming a column breaks the running version.',
      'pgtandem: 2 problems (1 error, 1 warning) in 2 files',
      '',
    ]);
  });

  it('escapes %, CR and LF in the message', () => {
    const out = formatGithub(result([finding({ message: '100% blocked\r\nsecond line\nthird %0A' })]));
    expect(out.split('\n')[0]).toMatch(/::100%25 blocked%0D%0Asecond line%0Athird %250A$/);
  });

  it('escapes , : % and newlines in the file name and keeps commands on one line', () => {
    const out = formatGithub(result([finding({ file: 'db/V1,2:3%\nx.sql', rule: 'a:b,c' })]));
    const [command, summary] = out.split('\n');
    expect(command).toBe(
      '::error file=db/V1%2C2%3A3%25%0Ax.sql,line=3,col=19,endLine=3,endColumn=50,title=a%3Ab%2Cc::Renaming a column breaks the running version.',
    );
    expect(summary).toBe('pgtandem: 1 problem (1 error, 0 warnings) in 2 files');
  });

  it('drops columns for a multi-line span, which the runner would reject', () => {
    const out = formatGithub(result([finding({ line: 3, endLine: 6, column: 19, endColumn: 2 })]));
    expect(out.split('\n')[0]).toBe(
      '::error file=migrations/001_rename.sql,line=3,endLine=6,title=renaming-column::Renaming a column breaks the running version.',
    );
  });

  it('prints only the summary for a clean result', () => {
    expect(formatGithub(result([]))).toBe('pgtandem: 2 files, no problems\n');
  });
});
