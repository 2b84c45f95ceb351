import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { blocksWrites, tableLocks, type TableLock } from '../src/lint/lock-level.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { displayName, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';
import { SourceText } from '../src/sql/source-text.js';
import { transactionFold } from '../src/lint/transaction-fold.js';
import { sameName } from '../src/lint/same-name.js';

interface Holder {
  statement: Statement;
  lock: TableLock;
}

/** ACCESS EXCLUSIVE locks taken earlier in the transaction, gathered once per statement. */
const holdersOf = transactionFold(
  () => ({ candidates: [] as Holder[], checked: 0, holders: [] as Holder[], reported: false }),
  (state, statement) => {
    for (const lock of tableLocks(statement)) if (lock.mode === 'ACCESS EXCLUSIVE') state.candidates.push({ statement, lock });
  },
);

/** What keeps a transaction busy after it has taken ACCESS EXCLUSIVE: each holds that lock longer. */
function slowWork(statement: Statement, context: RuleContext, locked: readonly QualifiedName[]): string | undefined {
  const index = nodeOf(statement, 'IndexStmt');
  if (index && !index.concurrent) return 'builds an index';
  if (alterTableCommands(statement).some((c) => c.cmd.subtype === 'AT_ValidateConstraint')) return 'validates a constraint (a full scan)';
  // The runner batches migrate-phase DML in transactions of their own.
  const batched = context.appliedByRunner && context.phase === 'migrate' && context.transaction.mode !== 'script';
  const dml = nodeOf(statement, 'UpdateStmt') ?? nodeOf(statement, 'DeleteStmt');
  if (dml && !batched) return 'rewrites rows (a backfill)';
  const insert = nodeOf(statement, 'InsertStmt');
  if (!batched && insert?.selectStmt && 'SelectStmt' in insert.selectStmt && !insert.selectStmt.SelectStmt.valuesLists) return 'copies rows (INSERT … SELECT)';
  const other = tableLocks(statement).find(
    (l) => blocksWrites(l.mode) && !context.isNew('table', l.table) && !locked.some((t) => sameName(t, l.table)),
  );
  if (other) return `waits for ${other.mode} on another table, ${displayName(other.table)}`;
  return undefined;
}


export default defineRule({
  id: 'multiple-ddl-locks-in-transaction',
  category: 'transaction',
  severity: 'warn',
  phases: PHASES,
  summary: 'Slow work in the same transaction after an ACCESS EXCLUSIVE lock on an existing table.',
  why:
    'Locks are held until the transaction ends. Once a statement has taken ACCESS EXCLUSIVE on a table — even a quick one such as ADD COLUMN — every read and write of that table waits ' +
    'until COMMIT, so an index build, a VALIDATE, a backfill or a wait for another table’s lock later in the same transaction keeps the table blocked for all of it.',
  fix:
    'Keep the ACCESS EXCLUSIVE statement in a short transaction of its own and commit before the slow work: in a native migration move the slow part to the next phase ' +
    '(backfills to migrate, VALIDATE to migrate or contract) or use CREATE INDEX CONCURRENTLY (the runner runs it outside the transaction); elsewhere split the migration. ' +
    'Merge several ALTERs of one table into one statement.',
  examples: {
    bad: [
      'ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = \'eu\' WHERE region IS NULL;\n',
      'ALTER TABLE orders ADD COLUMN coupon_id bigint;\nCREATE INDEX orders_coupon_id_idx ON orders (coupon_id);\n',
      'ALTER TABLE orders ADD COLUMN archived boolean;\nALTER TABLE customers ADD COLUMN archived boolean;\n',
    ],
    good: [
      "ALTER TABLE orders ADD COLUMN region text;\n-- pgtandem:migrate\nUPDATE orders SET region = 'eu' WHERE region IS NULL;\n",
      'ALTER TABLE orders ADD COLUMN coupon_id bigint;\nCREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);\n',
      'ALTER TABLE orders ADD COLUMN archived boolean, ADD COLUMN archived_at timestamptz;\n',
    ],
  },
  check(statement, context) {
    if (!context.transaction.inTransaction || statement.container?.kind === 'function') return;
    const earlier = context.transactionStatements;
    if (earlier.length === 0) return;
    const state = holdersOf(earlier);
    for (; state.checked < state.candidates.length; state.checked++) {
      const { statement: holder, lock } = state.candidates[state.checked]!;
      if (!context.isNew('table', lock.table)) state.holders.push({ statement: holder, lock });
    }
    // Report once per transaction: at the first slow statement after the lock.
    if (state.reported || state.holders.length === 0) return;
    const locked = state.holders.map((h) => h.lock.table);
    const work = slowWork(statement, context, locked);
    if (!work) return;
    state.reported = true;
    const first = state.holders[0]!;
    const line = new SourceText(context.file.text).position(first.statement.start).line;
    const tables = [...new Set(locked.map(displayName))].join(', ');
    context.report({
      message: `This statement ${work} while the transaction still holds ACCESS EXCLUSIVE on ${tables} (taken at line ${line}): reads and writes of ${locked.length > 1 ? 'those tables' : 'that table'} wait until COMMIT.`,
    });
  },
});
