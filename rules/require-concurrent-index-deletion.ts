import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { displayName, nameOfList, type QualifiedName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';
import { findWords } from '../src/lint/span.js';

function onNewTable(index: QualifiedName, context: RuleContext): boolean {
  const table = context.tableOfNewIndex(index);
  return table !== undefined && context.isNew('table', table);
}

export default defineRule({
  id: 'require-concurrent-index-deletion',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['DropStmt'],
  summary: 'DROP INDEX without CONCURRENTLY.',
  why:
    'DROP INDEX takes an ACCESS EXCLUSIVE lock on the index’s table: reads and writes stop. Queued behind a long-running query, ' +
    'the waiting lock itself blocks every later query on the table.',
  fix:
    'Use DROP INDEX CONCURRENTLY (outside a transaction; the pgtandem runner runs it alone). Indexes that back a constraint cannot be dropped this way: ' +
    'drop the constraint in contract, with a short lock_timeout.',
  examples: {
    bad: [
      'DROP INDEX orders_status_idx;\n',
      // The index is new, but its table is not: v1 traffic still waits for the lock.
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n-- pgtandem:abort\nDROP INDEX orders_placed_at_idx;\n',
    ],
    good: [
      'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;\n',
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n-- pgtandem:abort\nDROP INDEX CONCURRENTLY orders_placed_at_idx;\n',
      'CREATE TABLE carts (id bigint PRIMARY KEY, user_id bigint);\nCREATE INDEX carts_user_id_idx ON carts (user_id);\nDROP INDEX carts_user_id_idx;\n',
    ],
  },
  check(statement, context) {
    const drop = nodeOf(statement, 'DropStmt');
    if (!drop || drop.removeType !== 'OBJECT_INDEX' || drop.concurrent) return;
    const existing = (drop.objects ?? [])
      .map((o) => ('List' in o ? nameOfList(o.List.items) : undefined))
      .filter((name) => name !== undefined && !onNewTable(name, context));
    if (existing.length === 0) return;
    context.report({
      message: `Dropping ${existing.length > 1 ? 'indexes' : 'index'} ${existing.map((n) => displayName(n!)).join(', ')} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${existing.length > 1 ? 'their tables' : 'its table'}: reads and writes wait.`,
      span: findWords(statement, ['DROP', 'INDEX']),
    });
  },
});
