import { basename, resolve } from 'node:path';
import { PgtandemError } from '../errors.js';
import { findingStatement, fixFile } from '../fix/fix-file.js';
import { FIXERS } from '../fix/fixers/index.js';
import { recipeCallOf } from '../fix/recipe-call.js';
import { ruleRecipes } from '../fix/rule-recipes.js';
import type { Finding } from '../lint/finding.js';
import { historyRoot } from '../lint/history.js';
import { rules } from '../lint/lint.js';
import { readMigrationSource } from '../migrations/discover.js';
import { newMigration, type NewMigration } from '../recipes/new-migration.js';
import { recipeCommand } from '../recipes/recipe-command.js';
import type { Catalog } from '../schema/catalog.js';
import { replayFile } from '../schema/replay-catalog.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';

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
 * What the editor offers for a finding in the document itself: the rule's
 * mechanical fix (when it has one for this case), and an ignore comment on the
 * line above with a reason to fill in. `before` is the schema the migrations
 * before the file leave (a rewrite into a recipe's phases reads it). The
 * recipe's new file: `scaffoldAction`.
 */
export function documentActions(path: string, text: string, finding: Finding, pgVersion: number, before?: Catalog): DocumentAction[] {
  const actions: DocumentAction[] = [];
  if (FIXERS.has(finding.rule)) {
    const fixed = fixFile(readMigrationSource(path, text), [finding], pgVersion, before ? { catalog: before } : {});
    // A fix that also writes a new migration (a VALIDATE after another tool's transaction) is lint --fix's.
    if (fixed.fixed.length > 0 && fixed.after !== text && fixed.created.length === 0) {
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

/** A code action that creates a file: the migration `pgtandem new` would write for the finding's recipe. */
export interface ScaffoldAction {
  title: string;
  finding: Finding;
  create: NewMigration;
}

/**
 * The rule's recipe scaffolded from the flagged statement: the migration
 * `pgtandem new <recipe> …` writes with the statement's own names, in the
 * project's migrations folder (else the file's own) with the next version,
 * built against the schema before the statement (`before`: the schema the
 * migrations before the file leave). Undefined when the rule has no recipe,
 * none fits the statement, or the recipe needs a fact it cannot know (it
 * would ask for a flag).
 */
export async function scaffoldAction(path: string, text: string, finding: Finding, before: Catalog): Promise<ScaffoldAction | undefined> {
  const names = ruleRecipes(finding.rule);
  if (names.length === 0) return undefined;
  const file = readMigrationSource(path, text);
  const statements = file.segments.flatMap((segment) => parseSegment(text, segment).statements);
  const { span, statement } = findingStatement(new SourceText(text), statements, finding);
  const call = statement && recipeCallOf(names, statement, span);
  if (!statement || !call) return undefined;
  const catalog = before.clone();
  replayFile(catalog, file, statement.start);
  try {
    const folder = resolve(historyRoot(file));
    const create = await newMigration({ recipe: call.recipe, args: call.args, flags: call.flags, cwd: folder, defaultDir: folder, catalog });
    return { title: `Scaffold ${basename(create.path)} (${recipeCommand(call.recipe, call.args, call.flags)})`, finding, create };
  } catch (error) {
    if (error instanceof PgtandemError) return undefined;
    throw error;
  }
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
