// The text form of a lint report that scripts/corpus-findings.mjs writes and
// test/unit/corpus-findings.test.ts compares: a header naming the rules that
// existed when it was written, each file's statement count, then one line
// per finding (position, rule, severity, phase, message, help) in report order.
import { isAbsolute, relative } from 'node:path';

const RULES = '# rules: ';

/** The dump of a `--format json` report; absolute paths become relative to `base`. */
export function findingsDump(report, ruleIds, base) {
  const path = (p) => (isAbsolute(p) ? relative(base, p) : p).split('\\').join('/');
  const oneLine = (text) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  const lines = [
    `${RULES}${[...ruleIds].sort().join(' ')}`,
    ...report.files.map((f) => `file ${path(f.path)} statements=${f.statements}`),
    ...report.findings.map(
      (f) => `${path(f.file)}:${f.line}:${f.column}-${f.endLine}:${f.endColumn}\t${f.rule}\t${f.severity}\t${f.phase}\t${oneLine(f.message)}\t${oneLine(f.help)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The first difference between an expected dump and an actual one, or
 * undefined when they agree. Findings of rules the expected dump's header does
 * not name (rules added since it was written) are left out of the comparison.
 */
export function compareDumps(expected, actual) {
  const header = expected.split('\n').find((line) => line.startsWith(RULES));
  const known = header ? new Set(header.slice(RULES.length).split(' ')) : undefined;
  const keep = (line) => !line.startsWith('#') && (!known || !line.includes('\t') || known.has(line.split('\t')[1]));
  const want = expected.split('\n').filter(keep);
  const got = actual.split('\n').filter(keep);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) return { line: i + 1, expected: want[i] ?? '(end)', actual: got[i] ?? '(end)' };
  }
  return undefined;
}
