import type { Finding, LintResult } from '../../src/lint/finding.js';

/** A finding for reporter tests: a column rename at 3:19–3:50 unless overridden. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule: 'renaming-column',
    severity: 'error',
    file: 'migrations/001_rename.sql',
    line: 3,
    column: 19,
    endLine: 3,
    endColumn: 50,
    phase: 'expand',
    message: 'Renaming a column breaks the running version.',
    help: 'Add the new column in expand.',
    docs: 'https://github.com/pgtandem/pgtandem/blob/main/docs/rules/renaming-column.md',
    ...overrides,
  };
}

/** A result holding `findings`, with the counts reporters print. */
export function makeResult(findings: Finding[], files = 2): LintResult {
  const errors = findings.filter((f) => f.severity === 'error').length;
  return { files: [], findings, summary: { files, errors, warnings: findings.length - errors } };
}
