import type { Node, ReindexStmt } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

const NO_CONCURRENT_FORM =
  'Before PostgreSQL 12 REINDEX has no CONCURRENTLY form: rebuild online with pg_repack (--index / --only-indexes), or CREATE INDEX CONCURRENTLY a replacement, ' +
  'DROP INDEX CONCURRENTLY the old one and ALTER INDEX … RENAME the new one into its place (indexes behind a constraint: swap with ADD CONSTRAINT … USING INDEX in a short transaction).';

export default defineRule({
  id: 'require-concurrent-reindex',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['ReindexStmt'],
  summary: 'REINDEX INDEX, TABLE, SCHEMA, DATABASE or SYSTEM without CONCURRENTLY.',
  why:
    'A plain REINDEX takes a SHARE lock on the table, so every INSERT, UPDATE and DELETE waits for the whole rebuild, and an ACCESS EXCLUSIVE lock on each index it rebuilds, ' +
    'so reads wait too: the planner opens every index of a table, and queries on the table stop until that index is rebuilt. ' +
    'REINDEX SCHEMA, DATABASE and SYSTEM do this to every table in turn.',
  fix:
    'Use REINDEX … CONCURRENTLY (PostgreSQL 12+; SHARE UPDATE EXCLUSIVE, traffic continues), outside a transaction: the pgtandem runner runs it alone, other tools need their ' +
    'no-transaction switch. A failed run leaves an INVALID index named …_ccnew: DROP INDEX CONCURRENTLY it and retry. System catalogs cannot be reindexed concurrently: ' +
    'do that in a maintenance window, not in a migration. ' +
    NO_CONCURRENT_FORM,
  examples: {
    bad: [
      'REINDEX INDEX orders_customer_id_idx;\n',
      '-- pgtandem:contract\nREINDEX TABLE billing."Invoices";\n',
      'REINDEX (VERBOSE) SCHEMA billing;\n',
    ],
    good: [
      'REINDEX INDEX CONCURRENTLY orders_customer_id_idx;\n',
      '-- pgtandem:contract\nREINDEX (VERBOSE) TABLE CONCURRENTLY billing."Invoices";\n',
      'CREATE TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\nREINDEX TABLE import_rows;\n',
    ],
  },
  check(statement, context) {
    const reindex = nodeOf(statement, 'ReindexStmt');
    if (!reindex) return;
    const concurrent = hasOption(reindex.params, 'concurrently');
    const span = findWords(statement, ['REINDEX']);
    if (concurrent) {
      if (context.pgVersion < 12) {
        context.report({
          message: `REINDEX … CONCURRENTLY needs PostgreSQL 12; on PostgreSQL ${context.pgVersion} the statement is a syntax error and the migration fails.`,
          span: findWords(statement, ['CONCURRENTLY']) ?? span,
          help: NO_CONCURRENT_FORM,
        });
      }
      return;
    }
    const target = targetOf(reindex, context);
    if (!target) return;
    const catalog = reindex.kind === 'REINDEX_OBJECT_SYSTEM' || isCatalog(nameOfRangeVar(reindex.relation));
    const olderServer = context.pgVersion < 12 && !catalog;
    const instead = catalog
      ? 'System catalogs cannot be reindexed concurrently: leave this to a maintenance window, outside migrations.'
      : olderServer
        ? `PostgreSQL ${context.pgVersion} has no REINDEX CONCURRENTLY: use pg_repack, or build a replacement index CONCURRENTLY and swap it in.`
        : 'Use REINDEX … CONCURRENTLY.';
    context.report({
      message: `${target} ${instead}`,
      span,
      ...(olderServer ? { help: NO_CONCURRENT_FORM } : {}),
    });
  },
});

/** What the statement locks, as a sentence; undefined when it only touches objects this migration created. */
function targetOf(reindex: ReindexStmt, context: RuleContext): string | undefined {
  const blocks = 'writes wait for the whole rebuild, and queries on the table wait while each index is rebuilt under ACCESS EXCLUSIVE.';
  switch (reindex.kind) {
    case 'REINDEX_OBJECT_INDEX': {
      const index = nameOfRangeVar(reindex.relation);
      if (!index) return undefined;
      const table = context.tableOfNewIndex(index);
      if (table && context.isNew('table', table)) return undefined;
      return `REINDEX INDEX ${displayName(index)} locks its table in SHARE mode and the index in ACCESS EXCLUSIVE mode: writes to the table and queries that plan on it wait until the rebuild ends.`;
    }
    case 'REINDEX_OBJECT_TABLE': {
      const table = nameOfRangeVar(reindex.relation);
      if (!table || context.isNew('table', table) || context.isNew('view', table)) return undefined;
      return `REINDEX TABLE ${displayName(table)} takes SHARE on the table and ACCESS EXCLUSIVE on each of its indexes: ${blocks}`;
    }
    case 'REINDEX_OBJECT_SCHEMA': {
      const schema = reindex.name;
      if (schema && context.isNew('schema', { schema: undefined, name: schema })) return undefined;
      return `REINDEX SCHEMA${schema ? ` ${quoteIdent(schema)}` : ''} rebuilds every index of every table in the schema, one table at a time: on each, ${blocks}`;
    }
    case 'REINDEX_OBJECT_DATABASE':
      return `REINDEX DATABASE rebuilds every index of every table in the database, one table at a time: on each, ${blocks}`;
    case 'REINDEX_OBJECT_SYSTEM':
      return `REINDEX SYSTEM rebuilds the indexes of every system catalog under SHARE and ACCESS EXCLUSIVE locks: new connections, DDL and every query that needs an uncached catalog lookup wait.`;
    default:
      return undefined;
  }
}

/** pg_catalog and pg_toast relations; an unqualified pg_* name resolves to pg_catalog first. */
function isCatalog(name: QualifiedName | undefined): boolean {
  if (!name) return false;
  return name.schema === undefined ? name.name.startsWith('pg_') : name.schema === 'pg_catalog' || name.schema === 'pg_toast';
}

function hasOption(params: Node[] | undefined, name: string): boolean {
  return (params ?? []).some((p) => 'DefElem' in p && p.DefElem.defname === name);
}
