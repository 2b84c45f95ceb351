import type { Finding, LintResult } from '../lint/finding.js';
import { describeSummary } from './describe-summary.js';
import { sortFindings } from './sort-findings.js';

/**
 * GitHub Actions workflow commands, which the runner turns into annotations on the
 * pull request diff. Everything user-controlled is escaped so a file name or a
 * message can neither end the command early nor smuggle in another one.
 */
export function formatGithub(result: LintResult): string {
  const lines = sortFindings(result).map(toCommand);
  lines.push(`pgtandem: ${describeSummary(result.summary)}`);
  return `${lines.join('\n')}\n`;
}

function toCommand(finding: Finding): string {
  const command = finding.severity === 'error' ? 'error' : finding.severity === 'warn' ? 'warning' : 'notice';
  const properties: [string, string | number][] = [
    ['file', finding.file],
    ['line', finding.line],
  ];
  // The runner drops the whole annotation when columns are given for a multi-line
  // span or when they are out of order, so they are sent only when they are valid.
  if (finding.endLine === finding.line && finding.column >= 1 && finding.endColumn >= finding.column) {
    properties.push(['col', finding.column], ['endLine', finding.endLine], ['endColumn', finding.endColumn]);
  } else if (finding.endLine > finding.line) {
    properties.push(['endLine', finding.endLine]);
  }
  properties.push(['title', finding.rule]);
  const rendered = properties.map(([key, value]) => `${key}=${escapeProperty(String(value))}`).join(',');
  return `::${command} ${rendered}::${escapeData(finding.message)}`;
}

/** Message part of a workflow command (@actions/core `escapeData`). */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values additionally cannot contain the `:` and `,` delimiters. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
