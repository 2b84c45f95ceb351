import type { Statement } from '../sql/statement.js';
import { identifierOfToken } from './identifier-length.js';
import type { Span } from './span.js';

/** Keys whose value is a name as a list of strings, `[schema, name]` when qualified (columns' `fields` are not names of objects). */
const NAME_LISTS = new Set(['funcname', 'defnames', 'objname', 'names', 'typeName', 'opname', 'collname', 'conversion_name']);
/** Statements whose `objects`/`object` hold such lists (DROP, COMMENT ON, ALTER … OWNER / RENAME / SET SCHEMA, GRANT). */
const OBJECT_LISTS = new Set(['objects', 'object']);

/**
 * Every schema a statement names as the qualifier of an object: tables,
 * views, sequences and indexes (RangeVar), functions called or defined, types,
 * and the lists of DROP, COMMENT and the like. Column references
 * (`users.id`) are not object names and are left out.
 */
export function qualifyingSchemas(statement: Statement): Set<string> {
  const schemas = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      if ((NAME_LISTS.has(key) || OBJECT_LISTS.has(key)) && value.length >= 2 && value.every((v) => typeof v === 'object' && v !== null && 'String' in v)) {
        schemas.add((value[value.length - 2] as { String: { sval: string } }).String.sval);
      }
      for (const item of value) visit(item, key);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if ('RangeVar' in record) {
      const schema = (record.RangeVar as { schemaname?: string }).schemaname;
      if (schema) schemas.add(schema);
    }
    if (key === 'relation' || key === 'typevar' || key === 'sequence' || key === 'view') {
      const schema = (record as { schemaname?: string }).schemaname;
      if (schema) schemas.add(schema);
    }
    for (const [child, inner] of Object.entries(record)) {
      // A List node's items belong to the key that holds the List.
      visit(child === 'List' ? (inner as { items?: unknown }).items : inner, child === 'List' || child === 'items' ? key : child);
    }
  };
  visit(statement.node, '');
  return schemas;
}

/** Where the statement writes `schema.` (the qualifier and its dot), in order. */
export function qualifierSpans(statement: Statement, schema: string): Span[] {
  const spans: Span[] = [];
  const tokens = statement.tokens;
  for (let i = 0; i + 2 < tokens.length; i++) {
    if (tokens[i + 1]!.text !== '.' || identifierOfToken(tokens[i]!) !== schema) continue;
    if (identifierOfToken(tokens[i + 2]!) === undefined) continue;
    spans.push({ start: tokens[i]!.start, end: tokens[i + 2]!.end });
  }
  return spans;
}
