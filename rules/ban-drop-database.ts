import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-drop-database',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['DropdbStmt'],
  summary: 'DROP DATABASE in a migration.',
  why:
    'Every application version connected to the database loses it, and everything in it, at once: no phase of a rolling deploy makes that safe, and no rollback brings it back. ' +
    'DROP DATABASE cannot run inside a transaction block either, so a migration tool that wraps each file in one fails on it; WITH (FORCE) ends every session connected to it first.',
  fix:
    'Drop databases by hand, outside the migrations, once nothing connects to them (check pg_stat_activity) and a backup exists. ' +
    'A test or scratch database belongs to the test setup, not to the schema history.',
  examples: {
    bad: ['DROP DATABASE analytics;\n', '-- pgtandem:contract\nDROP DATABASE IF EXISTS "Legacy Reports" WITH (FORCE);\n'],
    good: ['-- pgtandem:contract\nDROP TABLE legacy_reports;\n', 'ALTER DATABASE analytics SET statement_timeout = \'30s\';\n'],
  },
  check(statement, context) {
    const drop = nodeOf(statement, 'DropdbStmt');
    if (!drop) return;
    context.report({
      message: `DROP DATABASE ${quoteIdent(drop.dbname ?? '')} destroys it, and all it holds, for every version connected to it, in any phase; it cannot run in a transaction block either.`,
      span: findWords(statement, ['DROP', 'DATABASE']),
    });
  },
});
