import type { Node } from '@pgsql/types';
import { ByteOffsets } from '../sql/byte-offsets.js';
import { parseSql } from '../sql/pg-parser.js';

/**
 * An expression over a table's columns (`lower(email)`, `total_cents::bigint`)
 * rewritten for a row trigger, where the row is `NEW`: every unqualified
 * column reference becomes `NEW.<column>`. The parser gives each reference's
 * position, so the rest of the text stays exactly as the user wrote it. The
 * expression was validated already (`expressionArgument`).
 */
export function onRow(expression: string, row = 'NEW'): string {
  return rewriteColumns(expression, (_name, text) => `${row}.${text}`);
}

/** `expression` with each reference to `column` replaced by `replacement` (another column reference, as SQL). */
export function onRowOf(expression: string, column: string, replacement: string): string {
  return rewriteColumns(expression, (name, text) => (name === column ? replacement : text));
}

/** Whether `expression` holds a subquery (which a trigger's WHEN may not). */
export function readsOtherRows(expression: string): boolean {
  const parsed = parseSql(`SELECT ${expression}`);
  if (!parsed.ok) return true;
  let found = false;
  visit(parsed.statements[0]!.stmt, (node) => {
    if ('SubLink' in node) found = true;
  });
  return found;
}

/** Rewrites each unqualified column reference; `replace` gets the folded name and the reference as written. */
function rewriteColumns(expression: string, replace: (name: string, text: string) => string): string {
  const prefix = 'SELECT ';
  const probe = prefix + expression;
  const parsed = parseSql(probe);
  if (!parsed.ok) return expression;
  const offsets = new ByteOffsets(probe);
  const references: { start: number; name: string }[] = [];
  visit(parsed.statements[0]!.stmt, (node) => {
    if (!('ColumnRef' in node)) return;
    const fields = node.ColumnRef.fields ?? [];
    const field = fields[0];
    if (fields.length === 1 && field && 'String' in field && node.ColumnRef.location !== undefined) {
      references.push({ start: offsets.toIndex(node.ColumnRef.location), name: field.String.sval ?? '' });
    }
  });
  let text = probe;
  for (const { start, name } of references.sort((a, b) => b.start - a.start)) {
    const end = start + referenceLength(text, start);
    text = text.slice(0, start) + replace(name, text.slice(start, end)) + text.slice(end);
  }
  return text.slice(prefix.length);
}

/** The length of the identifier starting at `start`: a quoted one up to its closing quote, else a run of identifier characters. */
function referenceLength(text: string, start: number): number {
  if (text[start] === '"') {
    let i = start + 1;
    while (i < text.length) {
      if (text[i] === '"' && text[i + 1] === '"') i += 2;
      else if (text[i] === '"') return i + 1 - start;
      else i++;
    }
    return text.length - start;
  }
  const match = /^[\p{L}_][\p{L}\p{N}_$]*/u.exec(text.slice(start));
  return match ? match[0].length : 0;
}

function visit(root: unknown, enter: (node: Node) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) enter(value as Node);
      stack.push(...Object.values(value));
    }
  }
}
