import type { Node } from '@pgsql/types';
import type { Segment } from '../migrations/migration.js';
import type { Token } from './token.js';

/** One SQL statement of a migration file, parsed or not. */
export interface Statement {
  /** The AST node type (`AlterTableStmt`, …), or `Invalid` when it did not parse. */
  kind: string;
  /** The parse tree, `{ [kind]: {...} }`; undefined when invalid. */
  node: Node | undefined;
  /** String offsets into the file text: first token to last token (the `;` excluded). */
  start: number;
  end: number;
  text: string;
  /** The statement's tokens, comments excluded. */
  tokens: Token[];
  segment: Segment;
  /** Converts a parser `location` (a byte offset in the parsed text) to a file string offset. */
  offsetOf(location: number): number;
  error?: { message: string; offset: number };
  /** Set for a statement found inside a DO block or a function body (PL/pgSQL or SQL). */
  container?: { kind: 'do' | 'function'; parent: Statement };
}

/** The inner node of a statement of a given kind, e.g. `nodeOf(stmt, 'AlterTableStmt')`. */
export function nodeOf<K extends string>(statement: Statement, kind: K): NodeBody<K> | undefined {
  if (statement.kind !== kind || !statement.node) return undefined;
  return (statement.node as Record<string, unknown>)[kind] as NodeBody<K>;
}

type NodeUnion = Node extends infer N ? N : never;
type KeysOf<U> = U extends unknown ? keyof U : never;
type BodyOf<U, K extends PropertyKey> = U extends Record<K, infer B> ? B : never;
export type NodeBody<K extends string> = K extends KeysOf<NodeUnion> ? BodyOf<NodeUnion, K> : never;
