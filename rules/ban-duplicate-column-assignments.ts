import type { Node, ResTarget } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { tokenSpanAt } from '../src/lint/span.js';
import { quoteIdent } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

interface Named {
  name: string;
  location: number | undefined;
}

/** Assignments and column lists that must name each column once, with what PostgreSQL says when one does not. */
function columnLists(statement: Statement): { what: string; columns: Named[] }[] {
  const lists: { what: string; columns: Named[] }[] = [];
  // `SET a[1] = …, a[2] = …` and `SET c.x = …, c.y = …` assign parts of one column: allowed.
  const whole = (targets: Node[] | undefined): Named[] =>
    (targets ?? [])
      .map((t) => ('ResTarget' in t ? t.ResTarget : undefined))
      .filter((t): t is ResTarget & { name: string } => t?.name !== undefined && !t.indirection?.length)
      .map((t) => ({ name: t.name, location: t.location }));
  const update = nodeOf(statement, 'UpdateStmt');
  if (update) lists.push({ what: 'SET assigns', columns: whole(update.targetList) });
  const insert = nodeOf(statement, 'InsertStmt');
  if (insert) {
    lists.push({ what: 'the INSERT column list names', columns: whole(insert.cols) });
    const onConflict = insert.onConflictClause;
    if (onConflict) lists.push({ what: 'ON CONFLICT DO UPDATE SET assigns', columns: whole(onConflict.targetList) });
  }
  const merge = nodeOf(statement, 'MergeStmt');
  for (const clause of merge?.mergeWhenClauses ?? []) {
    if (!('MergeWhenClause' in clause)) continue;
    const when = clause.MergeWhenClause;
    lists.push({ what: when.commandType === 'CMD_INSERT' ? 'the MERGE INSERT column list names' : 'MERGE UPDATE SET assigns', columns: whole(when.targetList) });
  }
  const create = nodeOf(statement, 'CreateStmt');
  if (create) {
    const columns = (create.tableElts ?? []).flatMap((e) => ('ColumnDef' in e && e.ColumnDef.colname ? [{ name: e.ColumnDef.colname, location: e.ColumnDef.location }] : []));
    lists.push({ what: 'CREATE TABLE defines', columns });
  }
  const view = nodeOf(statement, 'ViewStmt');
  if (view) {
    const aliases = (view.aliases ?? []).flatMap((a) => ('String' in a && a.String.sval ? [{ name: a.String.sval, location: undefined }] : []));
    const select = view.query && 'SelectStmt' in view.query ? view.query.SelectStmt : undefined;
    lists.push({ what: 'the view defines', columns: aliases.length > 0 ? aliases : whole(select?.targetList) });
  }
  return lists;
}

export default defineRule({
  id: 'ban-duplicate-column-assignments',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  summary: 'A column assigned or defined twice in one statement (UPDATE SET, INSERT columns, ON CONFLICT, MERGE, CREATE TABLE, a view).',
  why:
    'PostgreSQL rejects the statement ("multiple assignments to the same column", "column specified more than once"), so the migration stops at it on deploy — ' +
    'after the statements before it have run, where the tool does not wrap the file in one transaction. It is almost always a copy-paste slip: the two values disagree, and one of them was meant for another column.',
  fix: 'Name each column once: remove the duplicate, or give the value to the column it was meant for.',
  examples: {
    bad: [
      "-- pgtandem:migrate\nUPDATE accounts SET plan = 'free', status = 'active', plan = 'trial' WHERE plan IS NULL;\n",
      'CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric NOT NULL, "total" numeric);\n',
    ],
    good: [
      "-- pgtandem:migrate\nUPDATE accounts SET plan = 'free', status = 'active' WHERE plan IS NULL;\n",
      'CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric NOT NULL, "Total" numeric);\n',
    ],
  },
  check(statement, context) {
    for (const { what, columns } of columnLists(statement)) {
      const seen = new Set<string>();
      const reported = new Set<string>();
      for (const column of columns) {
        if (!seen.has(column.name)) {
          seen.add(column.name);
          continue;
        }
        if (reported.has(column.name)) continue;
        reported.add(column.name);
        context.report({
          message: `${what[0]!.toUpperCase()}${what.slice(1)} ${quoteIdent(column.name)} more than once: PostgreSQL rejects the statement.`,
          span: tokenSpanAt(statement, column.location),
        });
      }
    }
  },
});
