import type { Constraint } from '@pgsql/types';
import type { Phase } from '../migrations/phase.js';
import type { IndexInfo } from '../schema/catalog.js';
import { nameOfRangeVar, stringValue, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf } from './alter-table.js';
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

/** An index serves a foreign key's lookups when its leading columns are the key's columns, in any order (btree or hash); a partial index does not. */
export function indexCovers(index: IndexInfo, columns: readonly string[]): boolean {
  if (index.partial || (index.method !== 'btree' && index.method !== 'hash') || index.columns.length < columns.length) return false;
  const leading = new Set(index.columns.slice(0, columns.length));
  return columns.every((c) => leading.has(c));
}
