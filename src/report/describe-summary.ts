import type { LintSummary } from '../lint/finding.js';

/** `3 problems (2 errors, 1 warning) in 4 files` or `4 files, no problems`. */
export function describeSummary(summary: LintSummary): string {
  const files = plural(summary.files, 'file');
  const problems = summary.errors + summary.warnings;
  if (problems === 0) return `${files}, no problems`;
  const counts = `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')}`;
  return `${plural(problems, 'problem')} (${counts}) in ${files}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
