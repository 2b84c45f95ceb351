import type { Constraint } from '@pgsql/types';
import type { Phase } from '../migrations/phase.js';
import type { IndexInfo } from '../schema/catalog.js';
import { nameOfRangeVar, stringValue, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf } from './alter-table.js';
import { sameName } from './same-name.js';
import { tokenSpanAt, type Span } from './span.js';

/** A foreign key a statement adds: the referencing table and columns, and where it is written. */
export interface ForeignKeyAdded {
  table: QualifiedName;
  columns: string[];
  references: QualifiedName;
  span(statement: Statement): Span;
}

/** The phases that run after `phase` in a deploy, `phase` included: abort runs alone. */
export function phasesFrom(phase: Phase): Phase[] {
  const order: Phase[] = ['expand', 'migrate', 'contract'];
  return phase === 'abort' ? ['abort'] : order.slice(order.indexOf(phase));
}

function foreignKey(table: QualifiedName, constraint: Constraint, columns: string[]): ForeignKeyAdded[] {
  const references = nameOfRangeVar(constraint.pktable);
  if (!references || columns.length === 0) return [];
  return [{ table, columns, references, span: (statement) => tokenSpanAt(statement, constraint.location) }];
}

const names = (list: Constraint['fk_attrs']): string[] => (list ?? []).map(stringValue).filter((s): s is string => s !== undefined);

/** Foreign keys added by CREATE TABLE (column or table constraints) or ALTER TABLE (ADD CONSTRAINT, ADD COLUMN … REFERENCES), on permanent tables. */
export function foreignKeysAdded(statement: Statement): ForeignKeyAdded[] {
  const found: ForeignKeyAdded[] = [];
  const create = nodeOf(statement, 'CreateStmt');
  const created = nameOfRangeVar(create?.relation);
  if (create && created && create.relation?.relpersistence === 'p' && !create.partbound) {
    for (const element of create.tableElts ?? []) {
      if ('ColumnDef' in element && element.ColumnDef.colname) {
        for (const c of columnConstraints(element.ColumnDef)) if (c.contype === 'CONSTR_FOREIGN') found.push(...foreignKey(created, c, [element.ColumnDef.colname]));
      }
      const constraint = constraintOf(element);
      if (constraint?.contype === 'CONSTR_FOREIGN') found.push(...foreignKey(created, constraint, names(constraint.fk_attrs)));
    }
  }
  for (const { table, cmd, onTable } of alterTableCommands(statement)) {
    if (!onTable || nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') continue;
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = constraintOf(cmd.def);
      if (constraint?.contype === 'CONSTR_FOREIGN') found.push(...foreignKey(table, constraint, names(constraint.fk_attrs)));
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = columnDefOf(cmd);
      if (!column?.colname) continue;
      for (const c of columnConstraints(column)) if (c.contype === 'CONSTR_FOREIGN') found.push(...foreignKey(table, c, [column.colname]));
    }
  }
  return found;
}

/** Whether index keys (in order) lead with the foreign key's columns, in any order. */
export function keysCover(keys: readonly string[], columns: readonly string[]): boolean {
  if (keys.length < columns.length) return false;
  const leading = new Set(keys.slice(0, columns.length));
  return columns.every((c) => leading.has(c));
}

/** The statement kinds {@link indexKeysOn} finds keys in. */
const INDEXING_KINDS = new Set(['IndexStmt', 'CreateStmt', 'AlterTableStmt']);
const indexingIn = new WeakMap<readonly Statement[], Statement[]>();

/** The statements of a section that may create index keys, in order (filtered once per section). */
export function indexingStatements(section: readonly Statement[]): Statement[] {
  let found = indexingIn.get(section);
  if (!found) indexingIn.set(section, (found = section.filter((s) => INDEXING_KINDS.has(s.kind))));
  return found;
}

/**
 * The key columns of the indexes a statement creates on `table`: CREATE INDEX
 * (btree or hash, not partial), PRIMARY KEY and UNIQUE in CREATE TABLE or ALTER
 * TABLE … ADD. Read from the tree: no replay of the catalog.
 */
export function indexKeysOn(statement: Statement, table: QualifiedName): string[][] {
  const found: string[][] = [];
  const index = nodeOf(statement, 'IndexStmt');
  const on = nameOfRangeVar(index?.relation);
  if (index && on && sameName(on, table) && !index.whereClause && (index.accessMethod === undefined || index.accessMethod === 'btree' || index.accessMethod === 'hash')) {
    const keys = (index.indexParams ?? []).map((p) => ('IndexElem' in p ? p.IndexElem.name : undefined));
    const leading = keys.findIndex((k) => k === undefined);
    found.push((leading === -1 ? keys : keys.slice(0, leading)) as string[]);
  }
  const keyed = (c: Constraint | undefined): c is Constraint => (c?.contype === 'CONSTR_PRIMARY' || c?.contype === 'CONSTR_UNIQUE') && !c.where_clause;
  const create = nodeOf(statement, 'CreateStmt');
  const created = nameOfRangeVar(create?.relation);
  if (create && created && sameName(created, table)) {
    for (const element of create.tableElts ?? []) {
      if ('ColumnDef' in element && element.ColumnDef.colname) {
        if (columnConstraints(element.ColumnDef).some(keyed)) found.push([element.ColumnDef.colname]);
      }
      const constraint = constraintOf(element);
      if (keyed(constraint)) found.push(names(constraint.keys));
    }
  }
  for (const { table: altered, cmd } of alterTableCommands(statement)) {
    if (!sameName(altered, table) || cmd.subtype !== 'AT_AddConstraint') continue;
    const constraint = constraintOf(cmd.def);
    if (keyed(constraint) && !constraint.indexname) found.push(names(constraint.keys));
  }
  return found;
}

/** An index serves a foreign key's lookups when its leading columns are the key's columns, in any order (btree or hash); a partial index does not. */
export function indexCovers(index: IndexInfo, columns: readonly string[]): boolean {
  if (index.partial || (index.method !== 'btree' && index.method !== 'hash') || index.columns.length < columns.length) return false;
  const leading = new Set(index.columns.slice(0, columns.length));
  return columns.every((c) => leading.has(c));
}
