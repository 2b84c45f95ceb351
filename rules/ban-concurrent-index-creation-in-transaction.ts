import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { cannotRunInTransaction } from '../src/sql/transaction-block.js';

export default defineRule({
  id: 'ban-concurrent-index-creation-in-transaction',
  category: 'transaction',
  severity: 'error',
  phases: PHASES,
  summary: 'A CONCURRENTLY operation inside a transaction.',
  why:
    'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX … CONCURRENTLY and DETACH PARTITION … CONCURRENTLY cannot run inside a transaction block: ' +
    'PostgreSQL rejects them, and the deploy stops halfway. Many tools wrap each migration file in a transaction (Prisma, golang-migrate, Flyway, dbmate, goose, diesel by default), ' +
    'and an explicit BEGIN does the same.',
  fix:
    'Run it outside any transaction: in a native pgtandem migration drop the surrounding BEGIN/COMMIT (the runner runs CONCURRENTLY statements alone); ' +
    'elsewhere use the tool’s switch (`-- +goose NO TRANSACTION`, `-- migrate:up transaction:false`, diesel `run_in_transaction = false`, a Flyway/Prisma migration of its own), ' +
    'or set `assumeInTransaction: false` if your runner never wraps files.',
  examples: {
    bad: [
      'BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\nCOMMIT;\n',
      'BEGIN;\nDROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;\nREINDEX INDEX CONCURRENTLY orders_customer_id_idx;\nCOMMIT;\n',
    ],
    good: [
      'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n',
      // The runner commits the phase's transaction before a CONCURRENTLY statement and runs it alone.
      'ALTER TABLE orders ADD COLUMN coupon_code text;\nCREATE INDEX CONCURRENTLY orders_coupon_code_idx ON orders (coupon_code);\n',
    ],
  },
  check(statement, context) {
    if (!context.transaction.inTransaction) return;
    // Before PG 12 ALTER TYPE … ADD VALUE could not run in a transaction either, but that is not CONCURRENTLY: other rules cover it.
    if (!cannotRunInTransaction(statement.node, context.pgVersion) || !/CONCURRENTLY/i.test(statement.text)) return;
    const { explicit, mode } = context.transaction;
    const why = explicit
      ? 'inside the BEGIN … COMMIT block of this file'
      : mode === 'script'
        ? 'inside the one transaction the runner calls a TypeScript migration’s phase function in (put it in a .sql migration, where the runner runs it alone)'
        : mode === 'batch'
        ? `here: ${context.file.layout} sends the whole file as one query, which PostgreSQL runs as one implicit transaction (a file holding only this statement would work)`
        : mode === 'wrapped' && context.file.layout === 'plain'
          ? 'inside the transaction the migration tool is assumed to wrap each file in (set assumeInTransaction: false if it does not)'
          : `inside the transaction ${context.file.layout} wraps each migration in`;
    context.report({
      message: `CONCURRENTLY cannot run ${why}: PostgreSQL rejects the statement and the migration fails.`,
      span: findWords(statement, ['CONCURRENTLY']),
    });
  },
});
