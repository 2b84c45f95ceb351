import type { Node } from '@pgsql/types';
import { nameOfList, nameOfRangeVar, stringValue, type QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';

export type ObjectKind =
  | 'table'
  | 'index'
  | 'column'
  | 'constraint'
  | 'type'
  | 'sequence'
  | 'view'
  | 'schema'
  | 'function'
  /** Triggers and policies are members of their table: `has('trigger', table, name)`. */
  | 'trigger'
  | 'policy';

/**
 * The objects a migration has created so far. A statement on an object that
 * the same migration created cannot block or break traffic: no running
 * application version knows the object yet.
 *
 * Names are stored resolved against the search path in force when created;
 * columns and constraints are stored as `table.column` under their table's
 * resolved name.
 */
export class CreatedObjects {
  readonly #keys = new Set<string>();
  /** Index (resolved key) → its table, for indexes created here. */
  readonly #indexTables = new Map<string, QualifiedName>();

  constructor(private readonly searchPath: () => readonly string[]) {}

  has(kind: ObjectKind, name: QualifiedName, member?: string): boolean {
    const schemas = name.schema ? [name.schema] : this.searchPath();
    return schemas.some((schema) => this.#keys.has(key(kind, schema, name.name, member)));
  }

  /** Whether any object of `kind` was created here as a member of `table` (a policy on it, a trigger on it). */
  hasMemberOf(kind: ObjectKind, table: QualifiedName): boolean {
    const schemas = table.schema ? [table.schema] : this.searchPath();
    return schemas.some((schema) => {
      const prefix = `${kind}\u0000${schema}\u0000${table.name}\u0000`;
      for (const k of this.#keys) if (k.startsWith(prefix)) return true;
      return false;
    });
  }

  /** A table created here, or a column added here (or belonging to such a table). */
  hasColumn(table: QualifiedName, column: string): boolean {
    return this.has('table', table) || this.has('column', table, column);
  }

  add(kind: ObjectKind, name: QualifiedName, member?: string): void {
    this.#keys.add(key(kind, this.#resolve(name), name.name, member));
  }

  rename(kind: ObjectKind, from: QualifiedName, toName: string): void {
    const schemas = from.schema ? [from.schema] : this.searchPath();
    for (const schema of schemas) {
      const oldKey = key(kind, schema, from.name);
      if (!this.#keys.has(oldKey)) continue;
      this.#keys.delete(oldKey);
      this.#keys.add(key(kind, schema, toName));
      if (kind === 'table') this.#renameMembers(schema, from.name, toName);
      return;
    }
  }

  /** The table of an index this migration created, if it did. */
  tableOfIndex(index: QualifiedName): QualifiedName | undefined {
    const schemas = index.schema ? [index.schema] : this.searchPath();
    for (const schema of schemas) {
      const table = this.#indexTables.get(key('index', schema, index.name));
      if (table) return table;
    }
    return undefined;
  }

  /** Records what `statement` creates. */
  observe(statement: Statement): void {
    const node = statement.node;
    if (!node) return;
    for (const [kind, name, member] of createdBy(node)) this.add(kind, name, member);
    if ('IndexStmt' in node) {
      const table = nameOfRangeVar(node.IndexStmt.relation);
      const index = node.IndexStmt.idxname;
      if (table && index) this.#indexTables.set(key('index', this.#resolve({ schema: table.schema, name: index }), index), table);
    }
    if ('RenameStmt' in node) {
      const rename = node.RenameStmt;
      const relation = nameOfRangeVar(rename.relation);
      if (relation && rename.newname && rename.renameType === 'OBJECT_TABLE') this.rename('table', relation, rename.newname);
      if (relation && rename.newname && rename.renameType === 'OBJECT_INDEX') this.rename('index', relation, rename.newname);
      if (relation && rename.newname && rename.renameType === 'OBJECT_COLUMN' && rename.subname && this.has('column', relation, rename.subname)) {
        this.add('column', relation, rename.newname);
      }
    }
  }

  #resolve(name: QualifiedName): string {
    return name.schema ?? this.searchPath()[0] ?? 'public';
  }

  #renameMembers(schema: string, from: string, to: string): void {
    for (const k of [...this.#keys]) {
      for (const kind of ['column', 'constraint'] as const) {
        const prefix = `${kind}\u0000${schema}\u0000${from}\u0000`;
        if (k.startsWith(prefix)) {
          this.#keys.delete(k);
          this.#keys.add(`${kind}\u0000${schema}\u0000${to}\u0000${k.slice(prefix.length)}`);
        }
      }
    }
  }
}

function key(kind: ObjectKind, schema: string, name: string, member?: string): string {
  return member === undefined ? `${kind}\u0000${schema}\u0000${name}` : `${kind}\u0000${schema}\u0000${name}\u0000${member}`;
}

type Created = [ObjectKind, QualifiedName, string?];

function createdBy(node: Node): Created[] {
  if ('CreateStmt' in node) {
    const table = nameOfRangeVar(node.CreateStmt.relation);
    return table ? [['table', table]] : [];
  }
  if ('CreateTableAsStmt' in node) {
    const target = nameOfRangeVar(node.CreateTableAsStmt.into?.rel);
    if (!target) return [];
    return [[node.CreateTableAsStmt.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table', target]];
  }
  if ('SelectStmt' in node) {
    const target = nameOfRangeVar(node.SelectStmt.intoClause?.rel);
    return target ? [['table', target]] : [];
  }
  if ('IndexStmt' in node) {
    const table = nameOfRangeVar(node.IndexStmt.relation);
    const index = node.IndexStmt.idxname;
    return table && index ? [['index', { schema: table.schema, name: index }]] : [];
  }
  if ('ViewStmt' in node) {
    const view = nameOfRangeVar(node.ViewStmt.view);
    return view ? [['view', view]] : [];
  }
  if ('CreateSeqStmt' in node) {
    const sequence = nameOfRangeVar(node.CreateSeqStmt.sequence);
    return sequence ? [['sequence', sequence]] : [];
  }
  if ('CreateEnumStmt' in node) return typeName(node.CreateEnumStmt.typeName);
  if ('CreateDomainStmt' in node) return typeName(node.CreateDomainStmt.domainname);
  if ('CompositeTypeStmt' in node) {
    const type = nameOfRangeVar(node.CompositeTypeStmt.typevar);
    return type ? [['type', type]] : [];
  }
  if ('CreateFunctionStmt' in node) {
    const name = nameOfList(node.CreateFunctionStmt.funcname);
    return name ? [['function', name]] : [];
  }
  if ('CreateTrigStmt' in node) {
    const table = nameOfRangeVar(node.CreateTrigStmt.relation);
    return table && node.CreateTrigStmt.trigname ? [['trigger', table, node.CreateTrigStmt.trigname]] : [];
  }
  if ('CreatePolicyStmt' in node) {
    const table = nameOfRangeVar(node.CreatePolicyStmt.table);
    return table && node.CreatePolicyStmt.policy_name ? [['policy', table, node.CreatePolicyStmt.policy_name]] : [];
  }
  if ('CreateSchemaStmt' in node && node.CreateSchemaStmt.schemaname) {
    return [['schema', { schema: undefined, name: node.CreateSchemaStmt.schemaname }]];
  }
  if ('AlterTableStmt' in node) {
    const table = nameOfRangeVar(node.AlterTableStmt.relation);
    if (!table) return [];
    const created: Created[] = [];
    for (const cmd of node.AlterTableStmt.cmds ?? []) {
      if (!('AlterTableCmd' in cmd)) continue;
      const def = cmd.AlterTableCmd.def;
      if (cmd.AlterTableCmd.subtype === 'AT_AddColumn' && def && 'ColumnDef' in def && def.ColumnDef.colname) {
        created.push(['column', table, def.ColumnDef.colname]);
      }
      if (cmd.AlterTableCmd.subtype === 'AT_AddConstraint' && def && 'Constraint' in def && def.Constraint.conname) {
        created.push(['constraint', table, def.Constraint.conname]);
      }
    }
    return created;
  }
  return [];
}

function typeName(names: Node[] | undefined): Created[] {
  const name = nameOfList(names);
  return name ? [['type', name]] : [];
}

