import type { AlterTableCmd, Node, RangeVar } from '@pgsql/types';
import { nameOfList, nameOfRangeVar, type QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import type { Catalog } from '../schema/catalog.js';

/** PostgreSQL's table lock modes, weakest first (the "Explicit Locking" table). */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

export interface TableLock {
  table: QualifiedName;
  mode: LockMode;
}

export function lockStrength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongest(modes: readonly LockMode[]): LockMode | undefined {
  return modes.reduce<LockMode | undefined>((best, mode) => (best === undefined || lockStrength(mode) > lockStrength(best) ? mode : best), undefined);
}

/**
 * What a lock mode stops the application doing while it is held — or while
 * it waits in the queue, since every later lock request on the table queues
 * behind it. SHARE UPDATE EXCLUSIVE and weaker let reads and writes through.
 */
export function blockedTraffic(mode: LockMode): 'reads and writes' | 'writes' | 'nothing' {
  if (mode === 'ACCESS EXCLUSIVE') return 'reads and writes';
  if (lockStrength(mode) >= lockStrength('SHARE')) return 'writes';
  return 'nothing';
}

/** Whether the lock conflicts with the ROW EXCLUSIVE lock every INSERT/UPDATE/DELETE takes. */
export function blocksWrites(mode: LockMode): boolean {
  return blockedTraffic(mode) !== 'nothing';
}

/** The schema before a statement, as a rule context has it. */
export interface KnownSchema {
  readonly catalog: Catalog;
  readonly searchPath: readonly string[];
}

/**
 * The table locks a statement takes, as the PostgreSQL documentation lists
 * them (and HAZARDS.md measured): one entry per table, the strongest mode for
 * it. Indexes dropped by name give no table. With the schema known, dropping a
 * foreign key also locks the table it references (ACCESS EXCLUSIVE on both).
 */
export function tableLocks(statement: Statement, known?: KnownSchema): TableLock[] {
  const node = statement.node;
  if (!node) return [];
  const locks: TableLock[] = [];
  const add = (table: QualifiedName | undefined, mode: LockMode): void => {
    if (!table) return;
    const existing = locks.find((l) => l.table.name === table.name && l.table.schema === table.schema);
    if (!existing) locks.push({ table, mode });
    else if (lockStrength(mode) > lockStrength(existing.mode)) existing.mode = mode;
  };
  collect(node, add);
  if (known && 'AlterTableStmt' in node) {
    for (const referenced of droppedForeignKeyTargets(node.AlterTableStmt.relation, node.AlterTableStmt.cmds, known)) add(referenced, 'ACCESS EXCLUSIVE');
  }
  // An index named alone locks its table too; only the catalog knows which table that is.
  if (known && 'DropStmt' in node && node.DropStmt.removeType === 'OBJECT_INDEX') {
    const mode = node.DropStmt.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    for (const object of node.DropStmt.objects ?? []) if ('List' in object) add(tableOfIndex(nameOfList(object.List.items), known), mode);
  }
  if (known && 'ReindexStmt' in node && node.ReindexStmt.kind === 'REINDEX_OBJECT_INDEX') {
    const concurrent = (node.ReindexStmt.params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');
    add(tableOfIndex(nameOfRangeVar(node.ReindexStmt.relation), known), concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
  }
  return locks;
}

type Add = (table: QualifiedName | undefined, mode: LockMode) => void;

/** The table an index belongs to, named as the SQL would name it (unqualified when search_path finds it). */
function tableOfIndex(index: QualifiedName | undefined, known: KnownSchema): QualifiedName | undefined {
  const table = index && known.catalog.index(index, known.searchPath)?.table;
  if (!table) return undefined;
  const visible = known.catalog.table({ schema: undefined, name: table.name }, known.searchPath);
  return visible && visible.schema === table.schema ? { schema: undefined, name: table.name } : { schema: table.schema, name: table.name };
}

/** The tables referenced by the foreign keys an ALTER TABLE drops, when the catalog knows them. */
export function droppedForeignKeyTargets(relation: RangeVar | undefined, cmds: Node[] | undefined, known: KnownSchema): QualifiedName[] {
  const name = nameOfRangeVar(relation);
  const table = name && known.catalog.table(name, known.searchPath);
  if (!table) return [];
  const targets: QualifiedName[] = [];
  for (const cmd of cmds ?? []) {
    if (!('AlterTableCmd' in cmd) || cmd.AlterTableCmd.subtype !== 'AT_DropConstraint') continue;
    const fk = table.constraints.find((c) => c.name === cmd.AlterTableCmd.name && c.kind === 'foreign key');
    if (!fk?.references) continue;
    const target = fk.references.table;
    // Named as the SQL would name it: unqualified when search_path finds it.
    const visible = known.catalog.table({ schema: undefined, name: target.name }, known.searchPath);
    targets.push(visible && visible.schema === target.schema ? { schema: undefined, name: target.name } : { schema: target.schema, name: target.name });
  }
  return targets;
}

function collect(node: Node, add: Add): void {
  if ('AlterTableStmt' in node) {
    const table = nameOfRangeVar(node.AlterTableStmt.relation);
    const isIndex = node.AlterTableStmt.objtype === 'OBJECT_INDEX';
    for (const cmd of node.AlterTableStmt.cmds ?? []) {
      if (!('AlterTableCmd' in cmd)) continue;
      // ALTER INDEX … SET (…) / SET TABLESPACE lock the index, whose table we do not know by name.
      if (isIndex) continue;
      add(table, alterTableCommandLock(cmd.AlterTableCmd));
      // DETACH PARTITION locks the partition as well as the parent (measured by verify's ground truth).
      const detach = cmd.AlterTableCmd.subtype === 'AT_DetachPartition' && cmd.AlterTableCmd.def && 'PartitionCmd' in cmd.AlterTableCmd.def ? cmd.AlterTableCmd.def.PartitionCmd : undefined;
      if (detach) add(nameOfRangeVar(detach.name), detach.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE');
      const parent = referencedTable(cmd.AlterTableCmd);
      if (parent) add(parent.table, parent.mode);
    }
    return;
  }
  if ('IndexStmt' in node) {
    add(nameOfRangeVar(node.IndexStmt.relation), node.IndexStmt.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
    return;
  }
  if ('DropStmt' in node) {
    const drop = node.DropStmt;
    const kinds = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'];
    if (drop.removeType && kinds.includes(drop.removeType)) {
      for (const object of drop.objects ?? []) if ('List' in object) add(nameOfList(object.List.items), 'ACCESS EXCLUSIVE');
    }
    // DROP TRIGGER t ON table / DROP POLICY p ON table: the last list item is the object, the rest the table.
    if (drop.removeType === 'OBJECT_TRIGGER' || drop.removeType === 'OBJECT_POLICY' || drop.removeType === 'OBJECT_RULE') {
      for (const object of drop.objects ?? []) {
        if ('List' in object) add(nameOfList((object.List.items ?? []).slice(0, -1)), 'ACCESS EXCLUSIVE');
      }
    }
    return;
  }
  if ('RenameStmt' in node) {
    const rename = node.RenameStmt;
    const table = nameOfRangeVar(rename.relation);
    // ALTER INDEX … RENAME takes SHARE UPDATE EXCLUSIVE on the index only (PG ≥ 12).
    if (rename.renameType === 'OBJECT_INDEX') return;
    if (table) add(table, 'ACCESS EXCLUSIVE');
    return;
  }
  if ('TruncateStmt' in node) {
    for (const relation of node.TruncateStmt.relations ?? []) if ('RangeVar' in relation) add(nameOfRangeVar(relation.RangeVar), 'ACCESS EXCLUSIVE');
    return;
  }
  if ('VacuumStmt' in node) {
    const full = (node.VacuumStmt.options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'full');
    for (const rel of node.VacuumStmt.rels ?? []) {
      if ('VacuumRelation' in rel) add(nameOfRangeVar(rel.VacuumRelation.relation), full ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE');
    }
    return;
  }
  if ('ClusterStmt' in node) {
    add(nameOfRangeVar(node.ClusterStmt.relation), 'ACCESS EXCLUSIVE');
    return;
  }
  if ('ReindexStmt' in node) {
    const concurrent = (node.ReindexStmt.params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');
    if (node.ReindexStmt.kind === 'REINDEX_OBJECT_TABLE') add(nameOfRangeVar(node.ReindexStmt.relation), concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'SHARE');
    return;
  }
  if ('CreateTrigStmt' in node) {
    add(nameOfRangeVar(node.CreateTrigStmt.relation), 'SHARE ROW EXCLUSIVE');
    return;
  }
  if ('CreatePolicyStmt' in node) {
    add(nameOfRangeVar(node.CreatePolicyStmt.table), 'ACCESS EXCLUSIVE');
    return;
  }
  if ('AlterPolicyStmt' in node) {
    add(nameOfRangeVar(node.AlterPolicyStmt.table), 'ACCESS EXCLUSIVE');
    return;
  }
  if ('LockStmt' in node) {
    const mode = LOCK_MODES[(node.LockStmt.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
    for (const relation of node.LockStmt.relations ?? []) if ('RangeVar' in relation) add(nameOfRangeVar(relation.RangeVar), mode);
    return;
  }
  if ('CreateStmt' in node) {
    // A new table's foreign keys take SHARE ROW EXCLUSIVE on the tables they reference.
    for (const element of node.CreateStmt.tableElts ?? []) {
      const constraints =
        'ColumnDef' in element
          ? element.ColumnDef.constraints ?? []
          : 'Constraint' in element
            ? [element]
            : [];
      for (const c of constraints) if ('Constraint' in c && c.Constraint.contype === 'CONSTR_FOREIGN') add(nameOfRangeVar(c.Constraint.pktable), 'SHARE ROW EXCLUSIVE');
    }
    for (const parent of node.CreateStmt.inhRelations ?? []) {
      if ('RangeVar' in parent) add(nameOfRangeVar(parent.RangeVar), node.CreateStmt.partbound ? 'ACCESS EXCLUSIVE' : 'SHARE UPDATE EXCLUSIVE');
    }
    return;
  }
  if ('UpdateStmt' in node) add(nameOfRangeVar(node.UpdateStmt.relation), 'ROW EXCLUSIVE');
  else if ('DeleteStmt' in node) add(nameOfRangeVar(node.DeleteStmt.relation), 'ROW EXCLUSIVE');
  else if ('InsertStmt' in node) add(nameOfRangeVar(node.InsertStmt.relation), 'ROW EXCLUSIVE');
  else if ('MergeStmt' in node) add(nameOfRangeVar(node.MergeStmt.relation), 'ROW EXCLUSIVE');
}

/** ALTER TABLE subcommand → lock on the altered table (PostgreSQL docs, ALTER TABLE notes). */
function alterTableCommandLock(cmd: AlterTableCmd): LockMode {
  switch (cmd.subtype) {
    case 'AT_SetStatistics':
    case 'AT_SetOptions':
    case 'AT_ResetOptions':
    case 'AT_ClusterOn':
    case 'AT_DropCluster':
    case 'AT_SetRelOptions':
    case 'AT_ResetRelOptions':
    case 'AT_ValidateConstraint':
    case 'AT_AttachPartition':
      return 'SHARE UPDATE EXCLUSIVE';
    case 'AT_DetachPartition':
      return cmd.def && 'PartitionCmd' in cmd.def && cmd.def.PartitionCmd.concurrent ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    case 'AT_DetachPartitionFinalize':
      return 'SHARE UPDATE EXCLUSIVE';
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_EnableTrigAll':
    case 'AT_EnableTrigUser':
    case 'AT_DisableTrig':
    case 'AT_DisableTrigAll':
    case 'AT_DisableTrigUser':
      return 'SHARE ROW EXCLUSIVE';
    case 'AT_AddConstraint': {
      const constraint = cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined;
      return constraint?.contype === 'CONSTR_FOREIGN' ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE';
    }
    default:
      return 'ACCESS EXCLUSIVE';
  }
}

/** The other table a subcommand locks: a foreign key's referenced table. */
function referencedTable(cmd: AlterTableCmd): { table: QualifiedName; mode: LockMode } | undefined {
  const def = cmd.def;
  let pktable: RangeVar | undefined;
  if (cmd.subtype === 'AT_AddConstraint' && def && 'Constraint' in def && def.Constraint.contype === 'CONSTR_FOREIGN') pktable = def.Constraint.pktable;
  if (cmd.subtype === 'AT_AddColumn' && def && 'ColumnDef' in def) {
    for (const c of def.ColumnDef.constraints ?? []) if ('Constraint' in c && c.Constraint.contype === 'CONSTR_FOREIGN') pktable = c.Constraint.pktable;
  }
  const table = nameOfRangeVar(pktable);
  return table ? { table, mode: 'SHARE ROW EXCLUSIVE' } : undefined;
}
