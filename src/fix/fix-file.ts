import type { Finding } from '../lint/finding.js';
import type { MigrationFile } from '../migrations/migration.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import type { Statement } from '../sql/statement.js';
import { FIXERS } from './fixers/index.js';
import { applyEdits, type TextEdit } from './text-edit.js';

export interface UnfixedFinding {
  finding: Finding;
  /** Why no mechanical fix applies: the rule has none, or this case needs a person (or a recipe). */
  reason: string;
}

/** The fixes of one file: its text before and after, and which findings were fixed. */
export interface FileFix {
  path: string;
  before: string;
  after: string;
  fixed: Finding[];
  unfixed: UnfixedFinding[];
}

/**
 * Fixes the findings of one migration file that have a mechanical fix, as
 * edits of its text: comments and formatting stay as written. A finding whose
 * edits collide with another's is left for the next run.
 */
export function fixFile(file: MigrationFile, findings: readonly Finding[], pgVersion: number): FileFix {
  const statements: Statement[] = file.segments.flatMap((segment) => parseSegment(file.text, segment).statements);
  const source = new SourceText(file.text);
  const fixed: Finding[] = [];
  const unfixed: UnfixedFinding[] = [];
  const edits: { finding: Finding; edits: TextEdit[] }[] = [];
  for (const finding of findings) {
    const fixer = FIXERS.get(finding.rule);
    if (!fixer) {
      unfixed.push({ finding, reason: 'no mechanical fix' });
      continue;
    }
    const start = source.offsetAt(finding.line, finding.column);
    const end = source.offsetAt(finding.endLine, finding.endColumn);
    const statement = statements.find((s) => s.start <= start && start <= Math.max(s.end, s.start));
    if (!statement || statement.kind === 'Invalid') {
      unfixed.push({ finding, reason: 'not inside a statement that parses' });
      continue;
    }
    const outcome = fixer.fix({ finding, span: { start, end }, statement, file, statements, pgVersion });
    if ('reason' in outcome) unfixed.push({ finding, reason: outcome.reason });
    else edits.push({ finding, edits: outcome.edits });
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
  // A rejected edit of one finding may leave its other edits applied: redo the file without that finding's edits.
  if (rejected.length > 0) {
    const kept = edits.filter(({ edits: own }) => !collides(own)).flatMap((e) => e.edits);
    return { path: file.path, before: file.text, after: applyEdits(file.text, kept).text, fixed, unfixed };
  }
  return { path: file.path, before: file.text, after: text, fixed, unfixed };
}
