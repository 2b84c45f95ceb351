import type { Finding, LintResult, LintSummary } from '../lint/finding.js';
import { describeSummary } from './describe-summary.js';
import { sortFindings } from './sort-findings.js';

/**
 * A PR comment is capped at 65,536 characters; past this many rows the table is cut
 * and the remainder counted, so the comment still posts.
 */
const MAX_TABLE_ROWS = 200;

/** A report for a pull-request comment or `$GITHUB_STEP_SUMMARY`. */
export function formatMarkdown(result: LintResult): string {
  if (result.findings.length === 0) return `✅ **pgtandem**: ${describeSummary(result.summary)}\n`;
  const findings = sortFindings(result);
  const sections = [heading(result.summary), table(findings), ...ruleDetails(findings)];
  return `${sections.join('\n\n')}\n`;
}

function heading(summary: LintSummary): string {
  const icon = summary.errors > 0 ? '❌' : '⚠️';
  return `### ${icon} pgtandem: ${describeSummary(summary)}`;
}

function table(findings: Finding[]): string {
  const rows = findings.slice(0, MAX_TABLE_ROWS).map(
    (finding) =>
      `| ${finding.severity === 'error' ? '❌' : finding.severity === 'warn' ? '⚠️' : 'ℹ️'} | ${codeSpan(finding.file)} | ${finding.line} | ${codeSpan(finding.rule)} | ${finding.phase} | ${escapeText(finding.message)} |`,
  );
  const lines = ['| | File | Line | Rule | Phase | Message |', '|---|---|---:|---|---|---|', ...rows];
  const hidden = findings.length - rows.length;
  if (hidden > 0) lines.push('', `_…and ${hidden} more; run \`pgtandem lint\` locally for the full list._`);
  return lines.join('\n');
}

/** One collapsible section per rule, with the help of its first finding. */
function ruleDetails(findings: Finding[]): string[] {
  const byRule = new Map<string, Finding[]>();
  for (const finding of findings) {
    const group = byRule.get(finding.rule);
    if (group === undefined) byRule.set(finding.rule, [finding]);
    else group.push(finding);
  }
  return [...byRule.entries()].map(([rule, group]) => {
    const first = group[0];
    const count = `${group.length} finding${group.length === 1 ? '' : 's'}`;
    const body: string[] = [];
    if (first !== undefined && first.help !== '') body.push(escapeText(first.help, '\\\n'));
    if (first !== undefined && first.docs !== '') body.push(`[Documentation](${escapeUrl(first.docs)})`);
    return [
      '<details>',
      `<summary><code>${escapeHtml(rule)}</code> — ${count}</summary>`,
      '',
      ...body.flatMap((part) => [part, '']),
      '</details>',
    ].join('\n');
  });
}

/**
 * Messages and help are plain text: every character Markdown or HTML would interpret
 * inline is backslash-escaped; line breaks become `<br>` in table cells (a raw newline
 * would end the row) and hard breaks elsewhere.
 */
function escapeText(text: string, lineBreak = '<br>'): string {
  return text
    .replace(/[\\`*_[\]<>|~&!#]/g, (char) => `\\${char}`)
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .join(lineBreak)
    .replace(/(\\\n){2,}/g, '\n\n');
}

/** A code span whose fence is longer than any backtick run inside it (CommonMark). */
function codeSpan(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeUrl(url: string): string {
  return url.replace(/[\s()<>]/g, (char) => encodeURIComponent(char));
}
