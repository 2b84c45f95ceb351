import type { AlterTableCmd, ColumnDef, Constraint, Node } from '@pgsql/types';
import { nameOfRangeVar, stringValue, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { alterTableCommandSpans, statementSpan, type Span } from './span.js';

export interface AlterTableCommand {
  table: QualifiedName;
  cmd: AlterTableCmd;
  /** The clause in the source (`ADD COLUMN …`), for precise findings. */
  readonly span: Span;
  /** The statement's target is a table proper (not an index, view or sequence). */
  onTable: boolean;
}

const commandsOf = new WeakMap<Statement, AlterTableCommand[]>();

/**
 * The subcommands of an `ALTER TABLE` statement, each with its table and
 * clause span. Several rules ask for the same statement: the list is built
 * once, and the spans (which need the statement's tokens) only when a rule
 * reports one.
 */
export function alterTableCommands(statement: Statement): AlterTableCommand[] {
  let commands = commandsOf.get(statement);
  if (commands) return commands;
  const alter = nodeOf(statement, 'AlterTableStmt');
  const table = nameOfRangeVar(alter?.relation);
  commands = [];
  if (alter && table) {
    const cmds = (alter.cmds ?? []).flatMap((c) => ('AlterTableCmd' in c ? [c.AlterTableCmd] : []));
    let spans: Span[] | undefined;
    const spanAt = (i: number): Span => {
      spans ??= alterTableCommandSpans(statement, alter.relation?.location);
      return spans.length === cmds.length ? spans[i]! : statementSpan(statement);
    };
    const onTable = alter.objtype === undefined || alter.objtype === 'OBJECT_TABLE' || alter.objtype === 'OBJECT_FOREIGN_TABLE';
    commands = cmds.map((cmd, i) => ({
      table,
      cmd,
      onTable,
      get span(): Span {
        return spanAt(i);
      },
    }));
  }
  commandsOf.set(statement, commands);
  return commands;
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

/** A PRIMARY KEY or UNIQUE constraint an ALTER TABLE adds by building its index in place. */
export interface KeyAddedInPlace {
  command: AlterTableCommand;
  /** `ADD [CONSTRAINT …] PRIMARY KEY|UNIQUE (…)`: the constraint and its key columns. */
  constraint?: { name: string | undefined; keys: string[] };
  /** `ADD COLUMN … PRIMARY KEY|UNIQUE`: the new column's name. */
  column?: string;
}

/**
 * The PRIMARY KEY or UNIQUE constraints (`contype`) a statement adds to
 * existing tables without `USING INDEX`: each builds its unique index under
 * ACCESS EXCLUSIVE. Foreign tables take no keys; tables new to the migration
 * have no traffic to block.
 */
export function keysAddedInPlace(
  statement: Statement,
  contype: 'CONSTR_PRIMARY' | 'CONSTR_UNIQUE',
  isNewTable: (table: QualifiedName) => boolean,
): KeyAddedInPlace[] {
  if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return [];
  const found: KeyAddedInPlace[] = [];
  for (const command of alterTableCommands(statement)) {
    const { table, cmd, onTable } = command;
    if (!onTable || isNewTable(table)) continue;
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = constraintOf(cmd.def);
      if (constraint?.contype !== contype || constraint.indexname) continue;
      const keys = (constraint.keys ?? []).map(stringValue).filter((k): k is string => k !== undefined);
      found.push({ command, constraint: { name: constraint.conname, keys } });
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = columnDefOf(cmd);
      if (column?.colname && columnConstraints(column).some((c) => c.contype === contype)) found.push({ command, column: column.colname });
    }
  }
  return found;
}
