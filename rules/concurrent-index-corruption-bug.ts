import type { Node } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { nodeOf } from '../src/sql/statement.js';

/** PostgreSQL 14.0 to 14.3: the releases with the bug; 14.4 fixed it. */
const FIRST_AFFECTED = 140000;
const FIXED = 140004;

const concurrently = (params: Node[] | undefined): boolean => (params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === 'concurrently');

function release(versionNum: number): string {
  return `${Math.floor(versionNum / 10_000)}.${versionNum % 10_000}`;
}

export default defineRule({
  id: 'concurrent-index-corruption-bug',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['IndexStmt', 'ReindexStmt'],
  summary: 'CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY on PostgreSQL 14.0 to 14.3, whose indexes can silently miss rows.',
  why:
    'PostgreSQL 14.0 to 14.3 have a bug (fixed in 14.4, 2022-06-16) by which an index built or rebuilt CONCURRENTLY can miss rows that were inserted or updated while it was built: ' +
    'queries that use it return wrong results, and a unique index lets duplicates in, with no error anywhere. amcheck (pg_amcheck --heapallindexed) finds the damage. ' +
    'Checked only when the exact release is known: from a live database (lint --database-url), or a `pgVersion` such as "14.2" in the config.',
  fix:
    'Upgrade the server to 14.4 or later before building indexes concurrently; then REINDEX CONCURRENTLY every index built concurrently on an affected release. ' +
    'Until then, build the index without CONCURRENTLY in a maintenance window (it blocks writes while it builds).',
  examples: {
    pgVersion: '14.3',
    bad: ['CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n', 'REINDEX (CONCURRENTLY) INDEX orders_customer_id_idx;\n'],
    good: [
      'CREATE TABLE carts (id bigint PRIMARY KEY, user_id bigint);\nCREATE INDEX carts_user_id_idx ON carts (user_id);\n',
      'DROP INDEX CONCURRENTLY IF EXISTS orders_legacy_idx;\n',
    ],
  },
  check(statement, context) {
    const version = context.catalog.serverVersionNum;
    if (version === undefined || version < FIRST_AFFECTED || version >= FIXED) return;
    const index = nodeOf(statement, 'IndexStmt');
    const reindex = nodeOf(statement, 'ReindexStmt');
    const what = index?.concurrent ? 'CREATE INDEX CONCURRENTLY' : reindex && concurrently(reindex.params) ? 'REINDEX CONCURRENTLY' : undefined;
    if (!what) return;
    context.report({
      message: `${what} on PostgreSQL ${release(version)}: releases 14.0 to 14.3 can build the index without rows written while it builds (fixed in 14.4); queries then return wrong results.`,
      span: findWords(statement, what === 'REINDEX CONCURRENTLY' ? ['REINDEX'] : ['CREATE', 'UNIQUE?', 'INDEX', 'CONCURRENTLY']),
    });
  },
});
