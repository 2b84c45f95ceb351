import { Catalog, catalogKey, type PublicationInfo, type TableInfo } from '../schema/catalog.js';
import { indexesOn } from '../schema/dependents.js';
import { replayStatement } from '../schema/replay-catalog.js';
import type { Node } from '@pgsql/types';
import { nameOfList, nameOfRangeVar } from '../sql/names.js';
import { nestedStatements } from '../sql/nested-statements.js';
import { nodeOf, type Statement } from '../sql/statement.js';

/**
 * A copy of the part of `catalog` that statements about some tables can
 * change, for the few rules that judge a statement by the state it leaves (a
 * replica identity dropped and restored in the same transaction): those
 * tables (and the partitioned tables above them) with their indexes, deep
 * copies; every publication (of `publications`: by default the same
 * catalog), copies; enum types and schemas. Other tables
 * are left out — copying a catalog of thousands of tables for each statement
 * is what this avoids — so a replay into the slice sees statements about them
 * as about unknown objects. `'shared'`: the catalog itself but for its
 * publications, for replaying a publication statement, which changes
 * publications only.
 */
export function catalogSlice(catalog: Catalog, tables: readonly string[] | 'shared', publications: Catalog = catalog): Catalog {
  if (tables === 'shared') {
    // The catalog's own maps, but for publications: no copying of thousands of entries per statement.
    const view: Catalog = Object.assign(Object.create(Catalog.prototype) as Catalog, catalog, { publications: clonePublications(publications) });
    return view;
  }
  const slice = new Catalog();
  slice.schemas.clear();
  for (const schema of catalog.schemas) slice.schemas.add(schema);
  for (const [key, publication] of clonePublications(publications)) slice.publications.set(key, publication);
  // Shared: the statements replayed into a slice (see statementsAbout) change no enum type.
  for (const [key, type] of catalog.enums) slice.enums.set(key, type);
  if (catalog.serverVersionNum !== undefined) slice.serverVersionNum = catalog.serverVersionNum;
  for (const key of tables) {
    for (let table = catalog.tables.get(key); table && !slice.tables.has(catalogKey(table)); table = parentOf(catalog, table)) {
      slice.tables.set(catalogKey(table), structuredClone(table));
      for (const index of indexesOn(catalog, table)) slice.indexes.set(catalogKey(index), structuredClone(index));
    }
  }
  return slice;
}

/**
 * Copies of the publications, down to their lists: a replay adds to and
 * reassigns the lists. The table entries are shared — only renames change
 * one in place, and a slice replays none.
 */
function clonePublications(catalog: Catalog): Map<string, PublicationInfo> {
  const copies = new Map<string, PublicationInfo>();
  for (const [key, p] of catalog.publications) copies.set(key, { ...p, publish: [...p.publish], tables: [...p.tables], schemas: [...p.schemas] });
  return copies;
}

function parentOf(catalog: Catalog, table: TableInfo): TableInfo | undefined {
  return table.partitionOf && catalog.tables.get(catalogKey(table.partitionOf));
}

/**
 * Applies `statements` to `catalog` in place, as the lint engine would.
 * `withNested`: also the statements of DO blocks — for top-level statements
 * read from the section; the statement the engine is checking comes without
 * (the engine checks a DO block's statements one by one).
 */
export function replayInto(catalog: Catalog, statements: readonly Statement[], searchPath: readonly string[], withNested: boolean): Catalog {
  for (const statement of statements) {
    const nested = withNested && statement.kind === 'DoStmt' ? nestedStatements(statement).filter(mayChangeTables) : [];
    for (const each of [statement, ...nested]) replayStatement(catalog, each, searchPath);
  }
  return catalog;
}

/** Per list of statements: the statements naming each table (by its bare name), and those that may touch any. */
const indexes = new WeakMap<readonly Statement[], { byTable: Map<string, Statement[]>; any: Statement[] }>();

/**
 * Of `statements` (a section, in order), those after offset `after` that may
 * change table `name`'s keys, indexes, replica identity or publishing: ALTER
 * TABLE, CREATE INDEX and DROP TABLE of a table of that name, and every DROP
 * SCHEMA and DO block. Indexed once per list, so asking for each of
 * thousands of tables stays linear.
 */
export function statementsAbout(statements: readonly Statement[], name: string, after: number): Statement[] {
  let index = indexes.get(statements);
  if (!index) {
    index = { byTable: new Map(), any: [] };
    for (const statement of statements) {
      const node = statement.node;
      if (!node || !mayChangeTables(statement)) continue;
      const relation = 'AlterTableStmt' in node ? node.AlterTableStmt.relation : 'IndexStmt' in node ? node.IndexStmt.relation : undefined;
      const named = relation ? [nameOfRangeVar(relation)?.name] : 'DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE' ? (node.DropStmt.objects ?? []).map(lastName) : undefined;
      if (!named) {
        index.any.push(statement);
        continue;
      }
      for (const table of named) {
        if (table === undefined) continue;
        let list = index.byTable.get(table);
        if (!list) index.byTable.set(table, (list = []));
        list.push(statement);
      }
    }
    indexes.set(statements, index);
  }
  return [...(index.byTable.get(name) ?? []), ...index.any].filter((s) => s.start > after).sort((a, b) => a.start - b.start);
}

/**
 * The statements a slice replays: those about tables and indexes (and DO
 * blocks, which may hold them); of the DROPs, those of tables and schemas
 * (dropping anything else gives no table an identity back). Publication
 * statements are left out: one that unpublishes a table in the transaction
 * that published it is too rare to pay for reading every later one.
 */
function mayChangeTables(statement: Statement): boolean {
  const drop = nodeOf(statement, 'DropStmt');
  if (drop) return drop.removeType === 'OBJECT_TABLE' || drop.removeType === 'OBJECT_SCHEMA';
  return ['AlterTableStmt', 'IndexStmt', 'DoStmt'].includes(statement.kind);
}

function lastName(object: Node): string | undefined {
  return 'List' in object ? nameOfList(object.List.items)?.name : undefined;
}
