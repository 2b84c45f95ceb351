import type { Node, RangeVar } from '@pgsql/types';
import { unmaskName } from './templates.js';

/**
 * A schema-qualified object name as Postgres resolves it. The parser has
 * already folded unquoted identifiers to lower case and kept quoted ones as
 * written, so names compare exactly.
 */
export interface QualifiedName {
  /** Undefined when the SQL did not qualify the name (resolved through search_path). */
  schema: string | undefined;
  name: string;
}

export function nameOfRangeVar(relation: RangeVar | undefined): QualifiedName | undefined {
  if (!relation?.relname) return undefined;
  return { schema: relation.schemaname, name: relation.relname };
}

/** `a.b.c` lists from DROP/COMMENT/… (`[String, String]`) to a qualified name. */
export function nameOfList(items: Node[] | undefined): QualifiedName | undefined {
  const parts = (items ?? []).map(stringValue).filter((s): s is string => s !== undefined);
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1]!;
  return { schema: parts.length >= 2 ? parts[parts.length - 2] : undefined, name };
}

export function stringValue(node: Node | undefined): string | undefined {
  if (node && 'String' in node) return node.String.sval;
  return undefined;
}

/** How a name reads in a message: quoted only where Postgres would need quotes. */
export function displayName(name: QualifiedName): string {
  return name.schema ? `${quoteIdent(name.schema)}.${quoteIdent(name.name)}` : quoteIdent(name.name);
}

export function quoteIdent(identifier: string): string {
  const template = unmaskName(identifier);
  if (template !== identifier) return template;
  return /^[a-z_][a-z0-9_$]*$/.test(identifier) ? identifier : `"${identifier.replace(/"/g, '""')}"`;
}
