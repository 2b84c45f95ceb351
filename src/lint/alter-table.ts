import type { AlterTableCmd, ColumnDef, Constraint, Node } from '@pgsql/types';
import { nameOfRangeVar, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { alterTableCommandSpans, statementSpan, type Span } from './span.js';

export interface AlterTableCommand {
  table: QualifiedName;
  cmd: AlterTableCmd;
  /** The clause in the source (`ADD COLUMN …`), for precise findings. */
  span: Span;
  /** The statement's target is a table proper (not an index, view or sequence). */
  onTable: boolean;
}

/** The subcommands of an `ALTER TABLE` statement, each with its table and clause span. */
export function alterTableCommands(statement: Statement): AlterTableCommand[] {
  const alter = nodeOf(statement, 'AlterTableStmt');
  const table = nameOfRangeVar(alter?.relation);
  if (!alter || !table) return [];
  const cmds = (alter.cmds ?? []).flatMap((c) => ('AlterTableCmd' in c ? [c.AlterTableCmd] : []));
  const spans = alterTableCommandSpans(statement, alter.relation?.location);
  const fallback = statementSpan(statement);
  const onTable = alter.objtype === undefined || alter.objtype === 'OBJECT_TABLE' || alter.objtype === 'OBJECT_FOREIGN_TABLE';
  return cmds.map((cmd, i) => ({ table, cmd, span: spans.length === cmds.length ? spans[i]! : fallback, onTable }));
}

export function columnDefOf(cmd: AlterTableCmd): ColumnDef | undefined {
  const def = cmd.def;
  return def && 'ColumnDef' in def ? def.ColumnDef : undefined;
}

export function constraintOf(def: Node | undefined): Constraint | undefined {
  return def && 'Constraint' in def ? def.Constraint : undefined;
}

/** The column's inline constraints (NOT NULL, DEFAULT, CHECK, REFERENCES, …). */
export function columnConstraints(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).flatMap((c) => ('Constraint' in c ? [c.Constraint] : []));
}

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** `serial` and friends: a sequence default Postgres fills in for every existing row. */
export function isSerial(column: ColumnDef): boolean {
  const names = column.typeName?.names ?? [];
  const last = names[names.length - 1];
  return names.length === 1 && last !== undefined && 'String' in last && SERIAL_TYPES.has(last.String.sval ?? '');
}

/** The column's DEFAULT expression, unless it is absent or a literal NULL. */
export function nonNullDefault(column: ColumnDef): Node | undefined {
  const expr = columnConstraints(column).find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  if (!expr) return undefined;
  if ('A_Const' in expr && expr.A_Const.isnull) return undefined;
  return expr;
}

/** Whether Postgres gives existing rows a value when this column is added. */
export function fillsExistingRows(column: ColumnDef): boolean {
  if (isSerial(column) || nonNullDefault(column)) return true;
  return columnConstraints(column).some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
}

/** `NOT VALID` was written: the constraint skips checking existing rows. */
export function isNotValid(constraint: Constraint): boolean {
  return constraint.skip_validation === true;
}
