import type { AlterTableCmd, AlterTableStmt, CreateStmt, Node } from '@pgsql/types';
import { nameOfRangeVar } from '../sql/names.js';
import { catalogKey, type ColumnInfo, type IndexInfo, type TableInfo } from './catalog.js';
import { formatType } from './format-type.js';
import { chooseName, columnsAddition } from './generated-names.js';
import { indexesOn, noteDependent, partitionsOf } from './dependents.js';
import { dropColumn, dropConstraint } from './replay-drop.js';
import { setReplicaIdentity } from './replay-publication.js';
import type { ReplayScope } from './replay-scope.js';
import { addColumn, addConstraint, applyColumnConstraint, constraintsOf, setDefault } from './table-elements.js';

/** CREATE TABLE, with PARTITION OF / PARTITION BY / INHERITS / LIKE and IF NOT EXISTS. */
export function createTable(scope: ReplayScope, create: CreateStmt): void {
  const written = nameOfRangeVar(create.relation);
  // Temporary tables vanish with the session: they are not the schema's.
  if (!written || create.relation?.relpersistence === 't') return;
  const name = scope.newName(written);
  if (scope.relationTaken(name.schema)(name.name)) return;
  const table: TableInfo = { ...name, kind: create.partspec ? 'partitioned table' : 'table', columns: [], constraints: [] };
  scope.catalog.schemas.add(name.schema);
  scope.catalog.tables.set(catalogKey(name), table);

  const parents = (create.inhRelations ?? []).flatMap((r) => ('RangeVar' in r ? [scope.table(r.RangeVar)] : [])).filter((t) => t !== undefined);
  for (const parent of parents) {
    for (const column of parent.columns) {
      if (!table.columns.some((c) => c.name === column.name)) table.columns.push({ ...structuredClone(column), ...(column.identity ? { identity: undefined } : {}) });
    }
    // Checks and foreign keys are inherited under their own names.
    for (const constraint of parent.constraints) {
      if (constraint.kind === 'check' || (create.partbound && constraint.kind === 'foreign key')) table.constraints.push(structuredClone(constraint));
      if (create.partbound && constraint.references) noteDependent(scope.catalog, constraint.references.table, 'table', table);
    }
  }
  for (const column of table.columns) if (column.identity === undefined) delete column.identity;

  const elements = create.tableElts ?? [];
  for (const element of elements) {
    if ('ColumnDef' in element) {
      const def = element.ColumnDef;
      const existing = table.columns.find((c) => c.name === def.colname);
      // A partition's or child's `col WITH OPTIONS …` / redeclared column adds constraints to the inherited one.
      if (existing) for (const constraint of constraintsOf(def.constraints)) applyColumnConstraint(scope, table, existing, constraint);
      else addColumn(scope, table, def);
    } else if ('TableLikeClause' in element) {
      const source = scope.table(element.TableLikeClause.relation);
      for (const column of source?.columns ?? []) table.columns.push({ name: column.name, type: column.type, notNull: column.notNull });
    }
  }
  for (const element of elements) if ('Constraint' in element) addConstraint(scope, table, element.Constraint);

  const parent = parents[0];
  if (create.partbound && parent) {
    table.partitionOf = { schema: parent.schema, name: parent.name };
    noteDependent(scope.catalog, parent, 'table', table);
    inheritIndexes(scope, parent, table);
  }
}

/** A partition gets its own copy of each of its parent's indexes, named after itself. */
export function inheritIndexes(scope: ReplayScope, parent: TableInfo, partition: TableInfo): void {
  for (const index of indexesOn(scope.catalog, parent)) {
    if (indexesOn(scope.catalog, partition).some((i) => i.columns.join() === index.columns.join() && i.unique === index.unique)) continue;
    const constraint = parent.constraints.find((c) => c.index === index.name);
    const label = index.primary ? 'pkey' : constraint?.kind === 'unique' ? 'key' : constraint?.kind === 'exclusion' ? 'excl' : 'idx';
    const name = chooseName(partition.name, index.primary ? undefined : columnsAddition(index.columns.map(keyName)), label, scope.relationTaken(partition.schema));
    const copy: IndexInfo = { ...structuredClone(index), schema: partition.schema, name, table: { schema: partition.schema, name: partition.name } };
    scope.catalog.indexes.set(catalogKey(copy), copy);
    noteDependent(scope.catalog, copy.table, 'index', copy);
    if (constraint) partition.constraints.push({ ...structuredClone(constraint), name, index: name });
  }
}

/** `(lower(email))` contributes `lower` to a generated name. */
function keyName(column: string): string {
  const call = /^\(([a-z_][a-z0-9_]*)\(/.exec(column);
  return call ? call[1]! : column.startsWith('(') ? 'expr' : column;
}

/** ALTER TABLE: each subcommand in order, on tables the catalog knows. */
export function alterTable(scope: ReplayScope, alter: AlterTableStmt): void {
  const objtype = alter.objtype ?? 'OBJECT_TABLE';
  if (objtype !== 'OBJECT_TABLE') return;
  const table = scope.table(alter.relation);
  if (!table) return;
  for (const c of alter.cmds ?? []) if ('AlterTableCmd' in c) alterCommand(scope, table, c.AlterTableCmd);
}

function alterCommand(scope: ReplayScope, table: TableInfo, cmd: AlterTableCmd): void {
  const column = cmd.name !== undefined ? table.columns.find((c) => c.name === cmd.name) : undefined;
  const def = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : undefined;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      if (def && !table.columns.some((c) => c.name === def.colname)) {
        addColumn(scope, table, def);
        for (const partition of partitionsOf(scope.catalog, table)) addColumn(scope, partition, { ...def, constraints: [] });
      }
      break;
    case 'AT_DropColumn':
      if (column) dropColumn(scope, table, column.name);
      break;
    case 'AT_AlterColumnType':
      if (column && def?.typeName) {
        column.type = formatType(def.typeName, scope.typeLookup).text;
        for (const partition of partitionsOf(scope.catalog, table)) {
          const inherited = partition.columns.find((c) => c.name === column.name);
          if (inherited) inherited.type = column.type;
        }
      }
      break;
    case 'AT_SetNotNull':
      if (column) column.notNull = true;
      break;
    case 'AT_DropNotNull':
      if (column) column.notNull = false;
      break;
    case 'AT_ColumnDefault':
      if (column) setDefault(scope, column, cmd.def);
      break;
    case 'AT_AddConstraint':
      if (cmd.def && 'Constraint' in cmd.def) addConstraint(scope, table, cmd.def.Constraint);
      break;
    case 'AT_DropConstraint':
      if (cmd.name) dropConstraint(scope, table, cmd.name);
      break;
    case 'AT_ValidateConstraint':
      for (const constraint of table.constraints) if (constraint.name === cmd.name) constraint.validated = true;
      break;
    case 'AT_AddIdentity':
      if (column && cmd.def && 'Constraint' in cmd.def) applyColumnConstraint(scope, table, column, cmd.def.Constraint);
      break;
    case 'AT_SetIdentity':
      if (column?.identity) column.identity = identityOf(cmd.def) ?? column.identity;
      break;
    case 'AT_DropIdentity':
      if (column) dropIdentity(scope, table, column);
      break;
    case 'AT_DropExpression':
      if (column) {
        delete column.generated;
        delete column.default;
      }
      break;
    case 'AT_ReplicaIdentity':
      if (cmd.def && 'ReplicaIdentityStmt' in cmd.def) setReplicaIdentity(table, cmd.def.ReplicaIdentityStmt);
      break;
    case 'AT_AttachPartition':
      attachPartition(scope, table, cmd.def);
      break;
    case 'AT_DetachPartition':
    case 'AT_DetachPartitionFinalize': {
      const partition = partitionCommandTable(scope, cmd.def);
      if (partition) delete partition.partitionOf;
      break;
    }
    default:
      break;
  }
}

function identityOf(def: Node | undefined): ColumnInfo['identity'] | undefined {
  const options = def && 'List' in def ? def.List.items : undefined;
  for (const option of options ?? []) {
    if (!('DefElem' in option) || option.DefElem.defname !== 'generated') continue;
    const arg = option.DefElem.arg;
    const value = arg && 'Integer' in arg ? arg.Integer.ival : undefined;
    // The parser stores ATTRIBUTE_IDENTITY_ALWAYS ('a' = 97) or BY DEFAULT ('d' = 100).
    if (value === 97) return 'always';
    if (value === 100) return 'by default';
  }
  return undefined;
}

function dropIdentity(scope: ReplayScope, table: TableInfo, column: ColumnInfo): void {
  delete column.identity;
  for (const [key, sequence] of scope.catalog.sequences) {
    if (sequence.ownedBy?.table.schema === table.schema && sequence.ownedBy.table.name === table.name && sequence.ownedBy.column === column.name) {
      scope.catalog.sequences.delete(key);
    }
  }
}

function partitionCommandTable(scope: ReplayScope, def: Node | undefined): TableInfo | undefined {
  return def && 'PartitionCmd' in def ? scope.table(def.PartitionCmd.name) : undefined;
}

function attachPartition(scope: ReplayScope, parent: TableInfo, def: Node | undefined): void {
  const partition = partitionCommandTable(scope, def);
  // A table cannot be attached below itself (Postgres refuses): the catalog must stay a tree.
  if (!partition || ancestors(scope, parent).includes(partition)) return;
  partition.partitionOf = { schema: parent.schema, name: parent.name };
  noteDependent(scope.catalog, parent, 'table', partition);
  inheritIndexes(scope, parent, partition);
}

/** The table and the tables above it. */
function ancestors(scope: ReplayScope, table: TableInfo): TableInfo[] {
  const chain = [table];
  for (let up = table.partitionOf && scope.table(table.partitionOf); up && !chain.includes(up); up = up.partitionOf && scope.table(up.partitionOf)) chain.push(up);
  return chain;
}


