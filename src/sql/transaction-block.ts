import type { Node } from '@pgsql/types';

/**
 * Whether Postgres refuses to run the statement inside a transaction block
 * ("cannot run inside a transaction block"). The runner executes such
 * statements alone; the linter uses the same answer for its transaction model.
 */
export function cannotRunInTransaction(node: Node | undefined, pgVersion: number): boolean {
  if (!node) return false;
  if ('IndexStmt' in node) return node.IndexStmt.concurrent === true;
  if ('DropStmt' in node) return node.DropStmt.concurrent === true;
  if ('ReindexStmt' in node) {
    // REINDEX SCHEMA / DATABASE / SYSTEM commit per table, so they refuse a transaction block (found by verify's ground truth).
    const kind = node.ReindexStmt.kind;
    if (kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_DATABASE' || kind === 'REINDEX_OBJECT_SYSTEM') return true;
    return hasOption(node.ReindexStmt.params, 'concurrently');
  }
  if ('VacuumStmt' in node) return node.VacuumStmt.is_vacuumcmd === true;
  if ('AlterTableStmt' in node) {
    return (node.AlterTableStmt.cmds ?? []).some(
      (cmd) => 'AlterTableCmd' in cmd && cmd.AlterTableCmd.subtype === 'AT_DetachPartition' && detachIsConcurrent(cmd.AlterTableCmd.def),
    );
  }
  if ('AlterEnumStmt' in node) return pgVersion < 12 && node.AlterEnumStmt.newVal !== undefined && !node.AlterEnumStmt.oldVal;
  return (
    'CreatedbStmt' in node ||
    'DropdbStmt' in node ||
    'AlterSystemStmt' in node ||
    'CreateTableSpaceStmt' in node ||
    'DropTableSpaceStmt' in node ||
    'CreateSubscriptionStmt' in node ||
    'DropSubscriptionStmt' in node
  );
}

function hasOption(params: Node[] | undefined, name: string): boolean {
  return (params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === name);
}

function detachIsConcurrent(def: Node | undefined): boolean {
  return def !== undefined && 'PartitionCmd' in def && def.PartitionCmd.concurrent === true;
}

// BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK (not ROLLBACK TO a savepoint), ABORT, PREPARE TRANSACTION.
const TRANSACTION_CONTROL = /^\s*(begin|start\s+transaction|commit|end|abort|prepare\s+transaction|rollback(?!\s+to\b))\b/i;

/**
 * Whether a query string opens or ends a transaction (savepoints excepted).
 * A TypeScript migration's phase runs inside the runner's transaction, which
 * such a query would end: the runner refuses it, the linter reports it.
 */
export function isTransactionControl(sql: string): boolean {
  return TRANSACTION_CONTROL.test(sql);
}
