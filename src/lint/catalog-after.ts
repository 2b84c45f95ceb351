import { replayStatement } from '../schema/replay-catalog.js';
import type { Catalog } from '../schema/catalog.js';
import { nestedStatements } from '../sql/nested-statements.js';
import type { Statement } from '../sql/statement.js';

/**
 * The catalog as it will be after `statements` ran, on a copy: for the few
 * rules that judge a statement by the state it leaves (a replica identity
 * dropped and restored in the same transaction). Copying costs a pass over
 * the catalog: call it only for statements already known to matter.
 * `withNested`: also apply the statements of DO blocks — for top-level
 * statements read from the section; the statement the engine is checking
 * comes without (the engine checks a DO block's statements one by one).
 */
export function catalogAfter(catalog: Catalog, statements: readonly Statement[], searchPath: readonly string[], withNested: boolean): Catalog {
  const copy = catalog.clone();
  for (const statement of statements) {
    for (const each of withNested ? [statement, ...nestedStatements(statement)] : [statement]) replayStatement(copy, each, searchPath);
  }
  return copy;
}
