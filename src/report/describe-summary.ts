import type { LintSummary } from '../lint/finding.js';

/** `3 problems (2 errors, 1 warning) in 4 files` or `4 files, no problems`. */
export function describeSummary(summary: LintSummary): string {
  const files = plural(summary.files, 'file');
  const problems = summary.errors + summary.warnings;
  const shipped = summary.baseline ? ` (${plural(summary.baseline.files, 'shipped migration')} up to baseline ${summary.baseline.version} replayed, not linted: --all lints them)` : '';
  if (problems === 0) return `${files}, no problems${shipped}`;
  const counts = `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}`;
  return `${plural(problems, 'problem')} (${counts}) in ${files}${shipped}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
