import type { Finding } from '../lint/finding.js';
import type { Span } from '../lint/span.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Catalog } from '../schema/catalog.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import type { Statement } from '../sql/statement.js';
import { followUpMigration } from './follow-up-migration.js';
import { FIXERS } from './fixers/index.js';
import { recipeCallOf } from './recipe-call.js';
import { ruleRecipes } from './rule-recipes.js';
import { recipeCommand } from '../recipes/recipe-command.js';
import { applyEdits, type TextEdit } from './text-edit.js';

export interface UnfixedFinding {
  finding: Finding;
  /** Why no mechanical fix applies: the rule has none, or this case needs a person (or a recipe). */
  reason: string;
  /** The `pgtandem new …` command that scaffolds the rule's safe multi-phase change from this statement, when a recipe fits it. */
  recipe?: string;
}

/** Why a finding waits: another rewrite into phases came first in this file (fixMigrations runs the next pass). */
export const NEXT_PASS = 'another statement of this file was rewritten into phases first: run --fix again';

/** A finding's range as string offsets, and the parsed statement it is in (none when that statement did not parse). */
export function findingStatement(source: SourceText, statements: readonly Statement[], finding: Finding): { span: Span; statement: Statement | undefined } {
  const start = source.offsetAt(finding.line, finding.column);
  const end = source.offsetAt(finding.endLine, finding.endColumn);
  const statement = statements.find((s) => s.start <= start && start <= Math.max(s.end, s.start));
  return { span: { start, end }, statement: statement?.kind === 'Invalid' ? undefined : statement };
}

/** The fixes of one file: its text before and after, and which findings were fixed. */
export interface FileFix {
  path: string;
  before: string;
  after: string;
  fixed: Finding[];
  unfixed: UnfixedFinding[];
  /** New migrations to write after it (another tool's file that runs in one transaction: the VALIDATE that must wait). */
  created: { path: string; text: string }[];
}

export interface FixFileOptions {
  /** The schema before the file (the recipes that rewrite a statement read it). */
  catalog?: Catalog;
  /** The names in the file's history folder, for the version of a follow-up migration. */
  siblings?: readonly string[];
  now?: Date;
}

/**
 * Fixes the findings of one migration file that have a mechanical fix, as
 * edits of its text: comments and formatting stay as written. A finding whose
 * edits collide with another's is left for the next run.
 */
export function fixFile(file: MigrationFile, findings: readonly Finding[], pgVersion: number, { catalog, siblings = [], now = new Date() }: FixFileOptions = {}): FileFix {
  const followUp = file.layout === 'native' ? undefined : followUpMigration(file, siblings, now);
  const statements: Statement[] = file.segments.flatMap((segment) => parseSegment(file.text, segment).statements);
  const source = new SourceText(file.text);
  const fixed: Finding[] = [];
  const unfixed: UnfixedFinding[] = [];
  const edits: { finding: Finding; edits: TextEdit[]; followUp?: string[] }[] = [];
  let onePerPassTaken = false;
  for (const finding of findings) {
    const fixer = FIXERS.get(finding.rule);
    const { span, statement } = findingStatement(source, statements, finding);
    const recipe = (): { recipe?: string } => {
      const call = statement && recipeCallOf(ruleRecipes(finding.rule), statement, span);
      return call ? { recipe: recipeCommand(call.recipe, call.args, call.flags) } : {};
    };
    if (!fixer) {
      unfixed.push({ finding, reason: 'no mechanical fix', ...recipe() });
      continue;
    }
    if (!statement) {
      unfixed.push({ finding, reason: 'not inside a statement that parses' });
      continue;
    }
    if (fixer.onePerPass && onePerPassTaken) {
      unfixed.push({ finding, reason: NEXT_PASS });
      continue;
    }
    const outcome = fixer.fix({ finding, span, statement, file, statements, pgVersion, ...(catalog ? { catalog } : {}), ...(followUp ? { followUp } : {}) });
    if ('reason' in outcome) unfixed.push({ finding, reason: outcome.reason, ...(outcome.recipe ? { recipe: outcome.recipe } : recipe()) });
    else {
      edits.push({ finding, edits: outcome.edits, ...(outcome.followUp ? { followUp: outcome.followUp } : {}) });
      if (fixer.onePerPass) onePerPassTaken = true;
    }
  }
  const { text, rejected } = applyEdits(
    file.text,
    edits.flatMap((e) => e.edits),
  );
  const key = (e: TextEdit): string => `${e.start}:${e.end}:${e.text}`;
  const rejectedKeys = new Set(rejected.map(key));
  const collides = (own: TextEdit[]): boolean => own.some((e) => rejectedKeys.has(key(e)));
  for (const { finding, edits: own } of edits) {
    if (collides(own)) unfixed.push({ finding, reason: 'another fix changes the same text: run --fix again' });
    else fixed.push(finding);
  }
  const kept = edits.filter(({ edits: own }) => !collides(own));
  const later = kept.flatMap((e) => e.followUp ?? []);
  const created = later.length > 0 && followUp && !('reason' in followUp) ? followUp.files(later) : [];
  // A rejected edit of one finding may leave its other edits applied: redo the file without that finding's edits.
  const after = rejected.length > 0 ? applyEdits(file.text, kept.flatMap((e) => e.edits)).text : text;
  return { path: file.path, before: file.text, after, fixed, unfixed, created };
}
