import type { ColumnDef, Constraint, IndexElem, Node } from '@pgsql/types';
import { expressionVolatility } from '../sql/function-volatility.js';
import { nameOfRangeVar, quoteIdent, stringValue } from '../sql/names.js';
import { catalogKey, type ColumnInfo, type ConstraintInfo, type IndexInfo, type TableInfo } from './catalog.js';
import { noteDependent } from './dependents.js';
import { defaultText, sourceText } from './expression-text.js';
import { formatType } from './format-type.js';
import { chooseName, columnsAddition } from './generated-names.js';
import type { ReplayScope } from './replay-scope.js';

/**
 * Adds a column (CREATE TABLE, ADD COLUMN) with what its definition implies:
 * NOT NULL, default, identity, generated expression, a serial's sequence, and
 * its inline constraints, which `addConstraint` names as PostgreSQL would.
 */
export function addColumn(scope: ReplayScope, table: TableInfo, def: ColumnDef): void {
  if (!def.colname || !def.typeName) return;
  const type = formatType(def.typeName, scope.typeLookup);
  const column: ColumnInfo = { name: def.colname, type: type.text, notNull: false };
  table.columns.push(column);
  if (type.serial) {
    const sequence = chooseName(table.name, def.colname, 'seq', scope.relationTaken(table.schema));
    ownSequence(scope, table, sequence, def.colname);
    column.notNull = true;
    column.default = `nextval('${regclassText(table.schema, sequence)}'::regclass)`;
    column.defaultVolatile = true;
  }
  for (const constraint of constraintsOf(def.constraints)) applyColumnConstraint(scope, table, column, constraint);
}

/** The sequence of a serial or identity column, owned by it. */
function ownSequence(scope: ReplayScope, table: TableInfo, name: string, column: string): void {
  const sequence = { schema: table.schema, name, ownedBy: { table: { schema: table.schema, name: table.name }, column } };
  scope.catalog.sequences.set(catalogKey(sequence), sequence);
  noteDependent(scope.catalog, sequence.ownedBy.table, 'sequence', sequence);
}

/** A column-level constraint: those that live on the table get the column as their key. */
export function applyColumnConstraint(scope: ReplayScope, table: TableInfo, column: ColumnInfo, constraint: Constraint): void {
  switch (constraint.contype) {
    case 'CONSTR_NOTNULL':
      column.notNull = true;
      break;
    case 'CONSTR_NULL':
      column.notNull = false;
      break;
    case 'CONSTR_DEFAULT':
      setDefault(scope, column, constraint.raw_expr);
      break;
    case 'CONSTR_IDENTITY': {
      column.identity = constraint.generated_when === 'a' ? 'always' : 'by default';
      column.notNull = true;
      const sequence = chooseName(table.name, column.name, 'seq', scope.relationTaken(table.schema));
      ownSequence(scope, table, sequence, column.name);
      break;
    }
    case 'CONSTR_GENERATED':
      column.generated = (constraint as { generated_kind?: string }).generated_kind === 'v' ? 'virtual' : 'stored';
      if (constraint.raw_expr) column.default = sourceText(constraint.raw_expr, scope.statement);
      break;
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_CHECK':
    case 'CONSTR_FOREIGN':
    case 'CONSTR_EXCLUSION':
      addConstraint(scope, table, { ...constraint, keys: constraint.keys ?? [{ String: { sval: column.name } }] }, column.name);
      break;
    default:
      break;
  }
}

/** SET DEFAULT / DEFAULT: PostgreSQL stores no default for a literal NULL. */
export function setDefault(scope: ReplayScope, column: ColumnInfo, expression: Node | undefined): void {
  const text = expression ? defaultText(expression, column.type, scope.statement, scope.typeLookup) : undefined;
  if (!expression || text === undefined) {
    delete column.default;
    delete column.defaultVolatile;
    return;
  }
  column.default = text;
  column.defaultVolatile = expressionVolatility(expression).volatility === 'volatile';
}

/**
 * Adds a table constraint, named as written or as PostgreSQL generates it
 * (`<table>_pkey`, `<table>_<cols>_key`, `<table>_<col>_check`,
 * `<table>_<cols>_fkey`, `<table>_<cols>_excl`), with the index a key or
 * exclusion constraint builds (or adopts, with `USING INDEX`).
 */
export function addConstraint(scope: ReplayScope, table: TableInfo, constraint: Constraint, column?: string): void {
  const keys = keyNames(constraint.keys);
  const validated = constraint.skip_validation !== true;
  const tableName = { schema: table.schema, name: table.name };
  switch (constraint.contype) {
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION': {
      const primary = constraint.contype === 'CONSTR_PRIMARY';
      const kind = primary ? 'primary key' : constraint.contype === 'CONSTR_UNIQUE' ? 'unique' : 'exclusion';
      const adopted = constraint.indexname ? scope.catalog.index({ schema: table.schema, name: constraint.indexname }) : undefined;
      if (constraint.indexname && !adopted) return;
      const columns = adopted ? adopted.columns : constraint.contype === 'CONSTR_EXCLUSION' ? exclusionColumns(constraint) : keys;
      const label = primary ? 'pkey' : kind === 'unique' ? 'key' : 'excl';
      const name =
        constraint.conname ?? (adopted ? adopted.name : chooseName(table.name, primary ? undefined : columnsAddition(columns), label, scope.relationTaken(table.schema)));
      if (adopted) {
        // The index takes the constraint's name.
        scope.catalog.indexes.delete(catalogKey(adopted));
        Object.assign(adopted, { name, primary, unique: true });
        scope.catalog.indexes.set(catalogKey(adopted), adopted);
        noteDependent(scope.catalog, tableName, 'index', adopted);
      } else {
        const index: IndexInfo = {
          schema: table.schema,
          name,
          table: tableName,
          unique: kind !== 'exclusion',
          primary,
          valid: true,
          columns,
          partial: constraint.where_clause !== undefined,
          method: constraint.access_method ?? (kind === 'exclusion' ? 'gist' : 'btree'),
        };
        scope.catalog.indexes.set(catalogKey(index), index);
        noteDependent(scope.catalog, tableName, 'index', index);
      }
      if (primary) for (const c of table.columns) if (columns.includes(c.name)) c.notNull = true;
      table.constraints.push({ name, kind, columns, validated: true, index: name });
      return;
    }
    case 'CONSTR_CHECK': {
      const expression = constraint.raw_expr;
      const columns = expression ? columnRefs(expression) : [];
      const name = constraint.conname ?? chooseName(table.name, columns.length === 1 ? columns[0] : undefined, 'check', scope.constraintTaken(table.schema));
      const check: ConstraintInfo = { name, kind: 'check', columns, validated: validated && constraint.is_enforced !== false };
      if (expression) {
        check.expression = sourceText(expression, scope.statement);
        const proves = notNullTestOf(expression);
        if (proves !== undefined && constraint.is_enforced !== false) check.isNotNullCheckOf = proves;
      }
      table.constraints.push(check);
      return;
    }
    case 'CONSTR_FOREIGN': {
      const columns = keyNames(constraint.fk_attrs).length > 0 ? keyNames(constraint.fk_attrs) : column !== undefined ? [column] : [];
      const referenced = nameOfRangeVar(constraint.pktable);
      if (!referenced) return;
      const target = scope.table(referenced);
      const refTable = target ? { schema: target.schema, name: target.name } : scope.newName(referenced);
      let refColumns = keyNames(constraint.pk_attrs);
      if (refColumns.length === 0) refColumns = target?.constraints.find((c) => c.kind === 'primary key')?.columns ?? [];
      const name = constraint.conname ?? chooseName(table.name, columnsAddition(columns), 'fkey', scope.constraintTaken(table.schema));
      table.constraints.push({ name, kind: 'foreign key', columns, validated, references: { table: refTable, columns: [...refColumns] } });
      noteDependent(scope.catalog, refTable, 'table', table);
      return;
    }
    case 'CONSTR_NOTNULL': {
      // ADD [CONSTRAINT n] NOT NULL col (PostgreSQL 18): NOT VALID leaves the column nullable until validated.
      const target = table.columns.find((c) => c.name === keys[0]);
      if (target && validated) target.notNull = true;
      return;
    }
    default:
      return;
  }
}

export function constraintsOf(nodes: Node[] | undefined): Constraint[] {
  return (nodes ?? []).flatMap((n) => ('Constraint' in n ? [n.Constraint] : []));
}

function keyNames(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map(stringValue).filter((k): k is string => k !== undefined);
}

function exclusionColumns(constraint: Constraint): string[] {
  return (constraint.exclusions ?? []).flatMap((pair) => {
    const element = 'List' in pair ? pair.List.items?.[0] : undefined;
    return element && 'IndexElem' in element ? [indexColumnName(element.IndexElem)] : [];
  });
}

/** An index key as the catalog lists it: the column's name, or `(expression)`. */
export function indexKeyText(element: IndexElem, scope: ReplayScope): string {
  if (element.name) return element.name;
  return element.expr ? `(${sourceText(element.expr, scope.statement).replace(/^\((.*)\)$/, '$1')})` : '';
}

/** The name an index key contributes to a generated index name (`FigureIndexColname`). */
export function indexColumnName(element: IndexElem): string {
  if (element.name) return element.name;
  return element.expr ? figureName(element.expr) ?? 'expr' : 'expr';
}

function figureName(node: Node): string | undefined {
  if ('ColumnRef' in node) return keyNames(node.ColumnRef.fields).at(-1);
  if ('FuncCall' in node) return keyNames(node.FuncCall.funcname).at(-1);
  if ('TypeCast' in node) return (node.TypeCast.arg && figureName(node.TypeCast.arg)) ?? keyNames(node.TypeCast.typeName?.names).at(-1);
  if ('CoalesceExpr' in node) return 'coalesce';
  if ('CaseExpr' in node) return 'case';
  return undefined;
}

/** The distinct columns an expression reads, in first-use order. */
export function columnRefs(expression: Node): string[] {
  const found: string[] = [];
  const stack: unknown[] = [expression];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    else if (value && typeof value === 'object') {
      if ('ColumnRef' in value) {
        const name = keyNames((value as { ColumnRef: { fields?: Node[] } }).ColumnRef.fields).at(-1);
        if (name !== undefined && !found.includes(name)) found.push(name);
        continue;
      }
      const entries = Object.values(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]);
    }
  }
  return found;
}

/** `col IS NOT NULL` (parenthesised or not): the column it proves. */
function notNullTestOf(expression: Node): string | undefined {
  if (!('NullTest' in expression) || expression.NullTest.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const argument = expression.NullTest.arg;
  if (!argument || !('ColumnRef' in argument)) return undefined;
  const fields = argument.ColumnRef.fields ?? [];
  return fields.length === 1 ? stringValue(fields[0]) : undefined;
}

/** A sequence as a regclass literal shows it to a reader on the default search_path. */
export function regclassText(schema: string, name: string): string {
  return (schema === 'public' ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`).replace(/'/g, "''");
}
