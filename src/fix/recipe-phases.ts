import type { AlterTableCommand } from '../lint/alter-table.js';
import { alterTableCommands } from '../lint/alter-table.js';
import type { MigrationFile } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import type { RecipeOutput } from '../recipes/recipe.js';
import type { Statement } from '../sql/statement.js';
import { afterSemicolon, insertAfter } from './statement-text.js';
import type { TextEdit } from './text-edit.js';

/**
 * The edits that put a recipe's phases into a native migration in place of
 * one statement (or one clause of an ALTER TABLE): the statement's own phase
 * gets the recipe's SQL for that phase where the statement was, under a
 * comment naming the command; every other phase's SQL goes to the end of that
 * section (abort: its start, as abort undoes in reverse), or into a new
 * section, in phase order. Everything else in the file stays as written.
 */
export function recipePhaseEdits(file: MigrationFile, statement: Statement, command: AlterTableCommand | undefined, output: RecipeOutput, commandLine: string): TextEdit[] {
  const text = file.text;
  const own = statement.segment.phase;
  const edits: TextEdit[] = [];
  const sql = (phase: Phase): string => trimBlank(output[phase]).join('\n');
  for (const phase of PHASES) {
    if (phase === own) {
      const here = [`-- lint --fix: ${commandLine}`, ...(sql(phase) ? [sql(phase)] : [])].join('\n');
      if (command && alterTableCommands(statement).length > 1) edits.push(removeClause(statement, command), insertAfter(text, statement, here));
      else edits.push({ start: statement.start, end: afterSemicolon(text, statement), text: here });
      continue;
    }
    if (!sql(phase)) continue;
    const segments = file.segments.filter((s) => s.phase === phase);
    if (segments.length > 0) {
      const at = phase === 'abort' ? segments[0]!.start : segments[segments.length - 1]!.end;
      edits.push({ start: at, end: at, text: `${at > 0 && text[at - 1] !== '\n' ? '\n' : ''}${sql(phase)}\n` });
      continue;
    }
    // A new section, before the first section of a later phase (its marker line), else at the end.
    const later = file.segments.find((s) => PHASES.indexOf(s.phase) > PHASES.indexOf(phase));
    const at = later ? text.lastIndexOf('\n', later.start - 2) + 1 : text.length;
    edits.push({ start: at, end: at, text: `${at > 0 && text[at - 1] !== '\n' ? '\n' : ''}-- pgtandem:${phase}\n${sql(phase)}\n` });
  }
  return edits;
}

/** One clause out of an ALTER TABLE with several: with the comma before it (the one after it, for the first clause). */
function removeClause(statement: Statement, command: AlterTableCommand): TextEdit {
  const commands = alterTableCommands(statement);
  const index = commands.findIndex((c) => c.cmd === command.cmd);
  const commas = statement.tokens.filter((t) => t.text === ',');
  if (index > 0) {
    const comma = commas.filter((t) => t.start >= commands[index - 1]!.span.end && t.end <= command.span.start).at(-1);
    return { start: comma?.start ?? command.span.start, end: command.span.end, text: '' };
  }
  return { start: command.span.start, end: commands[1]!.span.start, text: '' };
}

function trimBlank(lines: readonly string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]!.trim() === '') start++;
  while (end > start && lines[end - 1]!.trim() === '') end--;
  return lines.slice(start, end);
}
