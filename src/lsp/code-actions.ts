import { fixFile } from '../fix/fix-file.js';
import { FIXERS } from '../fix/fixers/index.js';
import type { Finding } from '../lint/finding.js';
import { rules } from '../lint/lint.js';
import { readMigrationSource } from '../migrations/discover.js';

/** A code action as data: a title and the document's new text in one range (the server wraps it in a WorkspaceEdit). */
export interface DocumentAction {
  title: string;
  kind: 'quickfix';
  finding: Finding;
  edit: { start: number; end: number; text: string };
  preferred?: boolean;
}

/** The single range where two texts differ, and what replaces it. */
function difference(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let tail = 0;
  while (tail < before.length - start && tail < after.length - start && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++;
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}

/** Line start offsets of a text. */
function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return offset;
}

/**
 * What the editor offers for a finding: the rule's mechanical fix (when it has
 * one for this case), and an ignore comment on the line above with a reason to
 * fill in. A rule's recipe is named in the hover (`pgtandem new …`).
 */
export function documentActions(path: string, text: string, finding: Finding, pgVersion: number): DocumentAction[] {
  const actions: DocumentAction[] = [];
  if (FIXERS.has(finding.rule)) {
    const fixed = fixFile(readMigrationSource(path, text), [finding], pgVersion);
    if (fixed.fixed.length > 0 && fixed.after !== text) {
      actions.push({ title: `Fix ${finding.rule}`, kind: 'quickfix', finding, edit: difference(text, fixed.after), preferred: true });
    }
  }
  if (finding.rule !== 'syntax-error' && finding.rule !== 'unused-ignore') {
    const at = lineStart(text, finding.line);
    const indent = /^[ \t]*/.exec(text.slice(at))![0];
    actions.push({
      title: `Ignore ${finding.rule} for this statement`,
      kind: 'quickfix',
      finding,
      edit: { start: at, end: at, text: `${indent}-- pgtandem-ignore ${finding.rule}: <why this is safe here>\n` },
    });
  }
  return actions;
}

/** The hover of a finding: what the rule flags, why, the safe way, the recipe and the docs. */
export function findingHover(finding: Finding): string {
  const rule = rules.find((r) => r.id === finding.rule);
  if (!rule) return `**${finding.rule}**: ${finding.message}`;
  return [
    `**${rule.id}** (${finding.severity}, ${rule.category}): ${rule.summary}`,
    '',
    finding.message,
    '',
    `**Why.** ${rule.why}`,
    '',
    `**Fix.** ${finding.help}`,
    ...(rule.recipe?.length ? ['', `Scaffold it: ${rule.recipe.map((r) => `\`pgtandem new ${r} …\``).join(' or ')}`] : []),
    '',
    `[Rule docs](${finding.docs})`,
  ].join('\n');
}
