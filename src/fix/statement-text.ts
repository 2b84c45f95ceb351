import type { MigrationFile } from '../migrations/migration.js';
import type { Statement } from '../sql/statement.js';
import type { TextEdit } from './text-edit.js';

/** The offset just past a statement's `;` (the statement's end when it has none). */
export function afterSemicolon(text: string, statement: Statement): number {
  const rest = /^\s*;/.exec(text.slice(statement.end));
  return rest ? statement.end + rest[0].length : statement.end;
}

/** An edit removing a statement with its `;` and the rest of its line when nothing else is on it. */
export function removeStatement(text: string, statement: Statement): TextEdit {
  let end = afterSemicolon(text, statement);
  const tail = /^[ \t]*\r?\n/.exec(text.slice(end));
  if (tail) end += tail[0].length;
  return { start: statement.start, end, text: '' };
}

/** An edit inserting statements on lines of their own just after `statement`. */
export function insertAfter(text: string, statement: Statement, sql: string): TextEdit {
  const at = afterSemicolon(text, statement);
  return { start: at, end: at, text: `\n${sql}` };
}

const MARKER = (phase: string) => new RegExp(`^[ \\t]*--[ \\t]*pgtandem:[ \\t]*${phase}\\b.*$`, 'im');

/**
 * An edit that puts SQL in the contract section of a native migration: at the
 * top of the section when there is one, else in a new section before abort (or
 * at the end of the file).
 */
export function insertInContract(file: MigrationFile, sql: string): TextEdit {
  const text = file.text;
  const contract = MARKER('contract').exec(text);
  if (contract) {
    const lineEnd = contract.index + contract[0].length;
    const at = text[lineEnd] === '\n' ? lineEnd + 1 : text.startsWith('\r\n', lineEnd) ? lineEnd + 2 : lineEnd;
    return { start: at, end: at, text: at === lineEnd ? `\n${sql}\n` : `${sql}\n` };
  }
  const section = `-- pgtandem:contract\n${sql}\n`;
  const abort = MARKER('abort').exec(text);
  if (abort) return { start: abort.index, end: abort.index, text: section };
  const end = text.length;
  return { start: end, end, text: `${text.endsWith('\n') || end === 0 ? '' : '\n'}${section}` };
}
