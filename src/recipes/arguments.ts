import type { Node } from '@pgsql/types';
import { UsageError } from '../errors.js';
import { nameOfRangeVar, stringValue, type QualifiedName } from '../sql/names.js';
import { parseSql } from '../sql/pg-parser.js';

/**
 * Recipe arguments are SQL fragments typed on a command line: each is parsed
 * with the real grammar inside a probe statement, so a typo (or a `;` that
 * would smuggle in a second statement) is a one-line usage error naming the
 * argument, not a broken migration. The parser must be loaded (`loadParser`).
 */

/** A table name, `users` or `billing.users` (quoted parts kept as written, unquoted ones folded). */
export function tableArgument(label: string, text: string): QualifiedName {
  const select = probe(label, text, `SELECT FROM ${text}`, 'a table name such as users or billing.users');
  const from = select?.fromClause;
  const relation = from?.length === 1 && from[0] && 'RangeVar' in from[0] ? from[0].RangeVar : undefined;
  const name = nameOfRangeVar(relation);
  if (!name || select?.whereClause || select?.targetList || relation?.alias || relation?.catalogname || relation?.inh === false) throw invalid(label, text, 'a table name such as users or billing.users');
  return name;
}

/** A column name (an identifier: `email`, `"fullName"`). */
export function columnArgument(label: string, text: string): string {
  const select = probe(label, text, `SELECT ${text}`, 'a column name');
  const value = onlyTarget(select);
  const fields = value && 'ColumnRef' in value ? value.ColumnRef.fields : undefined;
  const name = fields?.length === 1 ? stringValue(fields[0]) : undefined;
  if (name === undefined) throw invalid(label, text, 'a column name');
  return name;
}

/** A list of column names, given as separate words or comma-separated (`a,b` or `a b`). */
export function columnListArgument(label: string, texts: readonly string[]): string[] {
  const columns = texts.flatMap((t) => splitTopLevel(t)).map((t) => columnArgument(label, t));
  if (columns.length === 0) throw new UsageError(`${label}: expected at least one column`);
  return columns;
}

/** A type as written in a column definition (`bigint`, `varchar(20)`, `numeric(10,2)[]`); returned trimmed, as written. */
export function typeArgument(label: string, text: string): string {
  const select = probe(label, text, `SELECT NULL::${text}`, 'a type such as bigint or varchar(20)');
  const value = onlyTarget(select);
  if (!value || !('TypeCast' in value) || !value.TypeCast.arg || !('A_Const' in value.TypeCast.arg)) throw invalid(label, text, 'a type such as bigint or varchar(20)');
  return text.trim();
}

/** A scalar SQL expression (`0`, `now()`, `lower(email)`); returned trimmed, as written, with its parse tree. */
export function expressionArgument(label: string, text: string): { text: string; node: Node } {
  const select = probe(label, text, `SELECT ${text}`, 'an SQL expression');
  const value = onlyTarget(select);
  if (!value) throw invalid(label, text, 'one SQL expression');
  return { text: text.trim(), node: value };
}

/** A boolean condition for WHERE or CHECK: an expression, parsed the same way. */
export function conditionArgument(label: string, text: string): { text: string; node: Node } {
  return expressionArgument(label, text);
}

/** A constraint, index or other object name: one identifier. */
export function identifierArgument(label: string, text: string): string {
  return columnArgument(label, text);
}

/** `users(id)` or `billing.users (id)`: a referenced table and its column. */
export function referenceArgument(label: string, text: string): { table: QualifiedName; column: string } {
  const match = /^(.+?)\s*\(\s*(.+?)\s*\)\s*$/s.exec(text.trim());
  if (!match) throw invalid(label, text, 'a referenced table and column such as users(id)');
  return { table: tableArgument(label, match[1]!), column: columnArgument(label, match[2]!) };
}

type Select = Extract<Node, { SelectStmt: unknown }>['SelectStmt'];

function probe(label: string, text: string, sql: string, expected: string): Select | undefined {
  // A comment marker would swallow the rest of the probe; a semicolon would start another statement.
  if (text.trim() === '' || /--|\/\*|;/.test(text)) throw invalid(label, text, expected);
  const parsed = parseSql(sql);
  if (!parsed.ok) throw new UsageError(`${label}: "${text}" is not ${expected} (${parsed.message})`);
  const [first, ...rest] = parsed.statements;
  if (!first || rest.length > 0 || !('SelectStmt' in first.stmt)) throw invalid(label, text, expected);
  return first.stmt.SelectStmt;
}

function onlyTarget(select: Select | undefined): Node | undefined {
  if (!select || select.fromClause || select.whereClause || select.targetList?.length !== 1) return undefined;
  const target = select.targetList[0];
  if (!target || !('ResTarget' in target) || target.ResTarget.name) return undefined;
  return target.ResTarget.val;
}

function invalid(label: string, text: string, expected: string): UsageError {
  return new UsageError(`${label}: "${text}" is not ${expected}`);
}

/** Splits `a, b` at commas outside parentheses and quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (!quoted && char === '(') depth++;
    if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && char === ',') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}
