import type { Finding, LintResult } from '../lint/finding.js';

/** Findings in reading order: files in linted order (migration order), then position. */
export function sortFindings(result: LintResult): Finding[] {
  const fileOrder = new Map(result.files.map((file, index) => [file.path, index]));
  const rank = (path: string): number => fileOrder.get(path) ?? Number.MAX_SAFE_INTEGER;
  return [...result.findings].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) ||
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.endLine - b.endLine ||
      a.endColumn - b.endColumn ||
      compareStrings(a.rule, b.rule),
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
