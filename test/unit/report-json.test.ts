import { describe, expect, it } from 'vitest';
import { makeFinding } from '../support/findings.js';
import type { Finding, LintResult } from '../../src/lint/finding.js';
import { formatJson } from '../../src/report/json.js';

const FINDING: Finding = makeFinding({ message: 'Renaming column "name" breaks the running version.' });

const RESULT: LintResult = {
  files: [
    { path: 'migrations/001_rename.sql', statements: 12, layout: 'native', text: 'SELECT 1;' },
    { path: 'migrations/002_index.sql', statements: 1, layout: 'native', text: 'SELECT 2;' },
  ],
  findings: [
    { ...FINDING, line: 7, endLine: 7, severity: 'warn', rule: 'require-timeout' },
    // Extra fields a caller might carry must not leak into the contract.
    { ...FINDING, internalNote: 'x' } as Finding,
  ],
  summary: { files: 2, errors: 1, warnings: 1 },
};

describe('formatJson', () => {
  it('prints exactly the DESIGN.md §6 keys in contract order', () => {
    const document = JSON.parse(formatJson(RESULT)) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual(['version', 'files', 'findings', 'summary']);
    expect(document.version).toBe(1);
    expect(document.files).toEqual([
      { path: 'migrations/001_rename.sql', statements: 12 },
      { path: 'migrations/002_index.sql', statements: 1 },
    ]);
    for (const file of document.files as object[]) expect(Object.keys(file)).toEqual(['path', 'statements']);
    const findings = document.findings as Record<string, unknown>[];
    for (const finding of findings) {
      expect(Object.keys(finding)).toEqual([
        'rule',
        'severity',
        'file',
        'line',
        'column',
        'endLine',
        'endColumn',
        'phase',
        'message',
        'help',
        'docs',
      ]);
    }
    expect(findings[0]).toEqual(FINDING);
    expect(findings[1]).toMatchObject({ rule: 'require-timeout', severity: 'warn', line: 7 });
    expect(Object.keys(document.summary as object)).toEqual(['files', 'errors', 'warnings']);
    expect(document.summary).toEqual({ files: 2, errors: 1, warnings: 1 });
  });

  it('is pretty-printed with two spaces and ends with one newline', () => {
    const out = formatJson(RESULT);
    expect(out.startsWith('{\n  "version": 1,\n  "files": [\n    {\n      "path"')).toBe(true);
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.endsWith('\n\n')).toBe(false);
    expect(out).not.toContain('SELECT 1;');
    expect(out).not.toContain('layout');
  });

  it('prints an empty result as a complete document', () => {
    const out = formatJson({ files: [], findings: [], summary: { files: 0, errors: 0, warnings: 0 } });
    expect(JSON.parse(out)).toEqual({ version: 1, files: [], findings: [], summary: { files: 0, errors: 0, warnings: 0 } });
  });
});
