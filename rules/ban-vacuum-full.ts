import type { DefElem, Node } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-vacuum-full',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['VacuumStmt', 'ClusterStmt'],
  summary: 'VACUUM FULL or CLUSTER, which rewrite a table under ACCESS EXCLUSIVE.',
  why:
    'VACUUM FULL and CLUSTER copy the whole table and rebuild all its indexes while holding ACCESS EXCLUSIVE: no reads and no writes until the copy is done, ' +
    'which on a large table is minutes to hours, and they need disk space for a second copy. Without a table list they do this to every table in turn. ' +
    'Plain VACUUM and ANALYZE take SHARE UPDATE EXCLUSIVE and are fine.',
  fix:
    'Reclaim space or reorder rows online instead: pg_repack or pg_squeeze rebuild the table while traffic continues and take ACCESS EXCLUSIVE only for a brief swap at the end; ' +
    'on PostgreSQL 19+ use REPACK (CONCURRENTLY). These are maintenance operations: run them from an ops job, not from a deploy migration. ' +
    'If you only need dead rows reused or statistics refreshed, plain VACUUM (ANALYZE) is enough.',
  examples: {
    bad: ['VACUUM FULL orders;\n', 'VACUUM (FULL, ANALYZE) orders, "LineItems";\n', '-- pgtandem:contract\nCLUSTER orders USING orders_placed_at_idx;\n'],
    good: [
      'VACUUM (ANALYZE) orders;\n',
      'ANALYZE orders;\n',
      'CREATE TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\nVACUUM FULL import_rows;\n',
    ],
  },
  check(statement, context) {
    const vacuum = nodeOf(statement, 'VacuumStmt');
    if (vacuum) {
      // Repeated options: the last one wins, as in PostgreSQL.
      const full = (vacuum.options ?? []).flatMap((o) => ('DefElem' in o && o.DefElem.defname === 'full' ? [o.DefElem] : [])).at(-1);
      if (!full || !isOn(full)) return;
      const tables = (vacuum.rels ?? []).map((r) => ('VacuumRelation' in r ? nameOfRangeVar(r.VacuumRelation.relation) : undefined));
      report(statement, context, 'VACUUM FULL', tables, findWords(statement, ['VACUUM']));
      return;
    }
    const cluster = nodeOf(statement, 'ClusterStmt');
    if (cluster) {
      const table = nameOfRangeVar(cluster.relation);
      report(statement, context, 'CLUSTER', table ? [table] : [], findWords(statement, ['CLUSTER']));
    }
  },
});

function report(
  statement: Statement,
  context: RuleContext,
  verb: 'VACUUM FULL' | 'CLUSTER',
  tables: readonly (QualifiedName | undefined)[],
  span: ReturnType<typeof findWords>,
): void {
  const existing = tables.filter((t): t is QualifiedName => t !== undefined && !context.isNew('table', t) && !context.isNew('view', t));
  if (tables.length > 0 && existing.length === 0) return;
  const recipe = context.pgVersion >= 19 ? 'use REPACK (CONCURRENTLY), pg_repack or pg_squeeze instead' : 'use pg_repack or pg_squeeze instead';
  const message =
    tables.length === 0
      ? verb === 'CLUSTER'
        ? `CLUSTER without a table re-clusters every table clustered before, one at a time, each rewritten under ACCESS EXCLUSIVE: reads and writes on it stop until it is copied; ${recipe}.`
        : `VACUUM FULL without a table rewrites every table in the database, one at a time, each under ACCESS EXCLUSIVE: reads and writes on it stop until it is copied; ${recipe}.`
      : `${verb} rewrites ${existing.map(displayName).join(', ')} under ACCESS EXCLUSIVE: reads and writes stop until the whole table and its indexes are copied; ${recipe}.`;
  context.report({ message, ...(span ? { span } : {}) });
}

/** PostgreSQL's boolean option syntax: a bare option is on; `false`, `off`, `no`, `0` (or a prefix of false/no) turn it off. */
function isOn(option: DefElem): boolean {
  const arg: Node | undefined = option.arg;
  if (!arg) return true;
  if ('Integer' in arg) return (arg.Integer.ival ?? 0) !== 0;
  if ('String' in arg) return !/^(f|fa|fal|fals|false|n|no|of|off|0)$/i.test(arg.String.sval ?? '');
  if ('Boolean' in arg) return arg.Boolean.boolval === true;
  return true;
}
