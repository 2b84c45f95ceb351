import type { Finding } from '../lint/finding.js';

/** An LSP range: 0-based lines, UTF-16 code units (LSP's default encoding). */
export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** UTF-16 offset in `line` of a 1-based column counted in code points (a finding's unit). */
function utf16Column(line: string, column: number): number {
  let units = 0;
  let points = 1;
  for (const char of line) {
    if (points >= column) break;
    units += char.length;
    points++;
  }
  return units + Math.max(0, column - points);
}

/** Where a finding is, in the document's own lines. */
export function findingRange(finding: Finding, lines: readonly string[]): LspRange {
  const at = (line: number, column: number) => ({ line: line - 1, character: utf16Column(lines[line - 1] ?? '', column) });
  return { start: at(finding.line, finding.column), end: at(finding.endLine, finding.endColumn) };
}
