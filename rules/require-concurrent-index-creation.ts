import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { displayName, nameOfRangeVar } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';
import { findWords } from '../src/lint/span.js';

export default defineRule({
  id: 'require-concurrent-index-creation',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['IndexStmt'],
  summary: 'CREATE INDEX on an existing table without CONCURRENTLY.',
  why:
    'A plain CREATE INDEX takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits until the index is built, ' +
    'which on a large table is minutes. CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE instead and lets writes continue.',
  recipe: ['add-index'],
  fix:
    'Use CREATE INDEX CONCURRENTLY, outside a transaction (the pgtandem runner runs it alone; other tools need their no-transaction switch). ' +
    'If it fails it leaves an INVALID index: DROP INDEX CONCURRENTLY IF EXISTS it and retry. Partitioned tables: CREATE INDEX ON ONLY the parent, ' +
    'CONCURRENTLY on each partition, then ALTER INDEX … ATTACH PARTITION.',
  examples: {
    bad: [
      'CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n',
      // The table is new in expand, but contract runs after v2 has written to it.
      'CREATE TABLE app."Events" (id bigint PRIMARY KEY, kind text);\n-- pgtandem:contract\nCREATE UNIQUE INDEX events_kind_key ON app."Events" (kind);\n',
    ],
    good: [
      'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n',
      'CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint NOT NULL);\nCREATE INDEX invoices_order_id_idx ON invoices (order_id);\n',
      'CREATE INDEX events_created_at_idx ON ONLY events (created_at);\n',
      'CREATE TABLE app."Events" (id bigint PRIMARY KEY, kind text);\nCREATE INDEX events_kind_idx ON app."Events" (kind);\n',
    ],
  },
  check(statement, context) {
    const index = nodeOf(statement, 'IndexStmt');
    const table = nameOfRangeVar(index?.relation);
    if (!index || !table || index.concurrent) return;
    if (context.isNew('table', table) || context.isNew('view', table)) return;
    // ON ONLY a partitioned parent only creates an invalid parent index: instant, the recipe's first step.
    if (index.relation?.inh !== true) return;
    context.report({
      message: `CREATE INDEX without CONCURRENTLY takes a SHARE lock on ${displayName(table)}: every write to it is blocked (reads go on) until the index is built.`,
      span: findWords(statement, ['CREATE', 'UNIQUE?', 'INDEX']) ?? undefined,
      // A TypeScript migration's phase runs in one transaction, where CONCURRENTLY is refused: the fix is a .sql file.
      ...(context.transaction.mode === 'script'
        ? { help: 'The runner calls a TypeScript migration’s phase in one transaction, where CONCURRENTLY cannot run: build the index in a .sql migration instead, where the runner runs CREATE INDEX CONCURRENTLY alone.' }
        : {}),
    });
  },
});
