import type { Node, RangeVar, SelectStmt, WithClause } from '@pgsql/types';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { displayName, nameOfRangeVar, stringValue, type QualifiedName } from '../src/sql/names.js';
import type { Statement } from '../src/sql/statement.js';

interface DataChange {
  verb: 'UPDATE' | 'DELETE' | 'INSERT … SELECT' | 'MERGE';
  table: QualifiedName;
}

function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  if ('A_Const' in node) return true;
  return 'TypeCast' in node && isConstant(node.TypeCast.arg);
}

function isIdColumn(node: Node | undefined): boolean {
  const fields = node && 'ColumnRef' in node ? (node.ColumnRef.fields ?? []) : [];
  const last = fields[fields.length - 1];
  return last !== undefined && 'String' in last && last.String.sval?.toLowerCase() === 'id';
}

/**
 * `WHERE id = 'x'` or `WHERE id IN (1, 2, 3)`, alone or ANDed with more: rows
 * picked one by one by their key, the way a data fix or seed edit does, not a
 * pass over the table.
 */
function picksRowsById(where: Node | undefined): boolean {
  if (!where) return false;
  if ('BoolExpr' in where) return where.BoolExpr.boolop === 'AND_EXPR' && (where.BoolExpr.args ?? []).some(picksRowsById);
  if (!('A_Expr' in where) || !isIdColumn(where.A_Expr.lexpr)) return false;
  const { kind, rexpr } = where.A_Expr;
  const operator = stringValue(where.A_Expr.name?.[0]);
  if (kind === 'AEXPR_OP') return operator === '=' && isConstant(rexpr);
  if (kind === 'AEXPR_IN') return operator === '=' && rexpr !== undefined && 'List' in rexpr && (rexpr.List.items ?? []).every(isConstant);
  return false;
}

/**
 * The tables a statement changes in bulk, data-modifying CTEs included.
 * INSERT counts only when it copies rows read from a table: VALUES lists and
 * SELECTs of constants are seed data, not backfills.
 */
function dataChanges(node: Node | undefined): DataChange[] {
  if (!node) return [];
  const changes: DataChange[] = [];
  const add = (verb: DataChange['verb'], relation: RangeVar | undefined, bulk: boolean, withClause: WithClause | undefined): void => {
    const table = nameOfRangeVar(relation);
    if (table && bulk) changes.push({ verb, table });
    changes.push(...cteChanges(withClause));
  };
  if ('UpdateStmt' in node) add('UPDATE', node.UpdateStmt.relation, !picksRowsById(node.UpdateStmt.whereClause), node.UpdateStmt.withClause);
  else if ('DeleteStmt' in node) add('DELETE', node.DeleteStmt.relation, !picksRowsById(node.DeleteStmt.whereClause), node.DeleteStmt.withClause);
  else if ('MergeStmt' in node) add('MERGE', node.MergeStmt.relation, true, node.MergeStmt.withClause);
  else if ('InsertStmt' in node) {
    const insert = node.InsertStmt;
    const select = insert.selectStmt && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
    const ctes = cteQueries(insert.withClause);
    add('INSERT … SELECT', insert.relation, select !== undefined && readsTable(select, ctes), insert.withClause);
  } else if ('SelectStmt' in node) changes.push(...cteChanges(node.SelectStmt.withClause));
  return changes;
}

function cteQueries(withClause: WithClause | undefined): Map<string, Node | undefined> {
  const queries = new Map<string, Node | undefined>();
  for (const cte of withClause?.ctes ?? []) {
    if ('CommonTableExpr' in cte && cte.CommonTableExpr.ctename) queries.set(cte.CommonTableExpr.ctename, cte.CommonTableExpr.ctequery);
  }
  return queries;
}

function cteChanges(withClause: WithClause | undefined): DataChange[] {
  return [...cteQueries(withClause).values()].flatMap(dataChanges);
}

/** Whether a SELECT reads rows from a table (not only VALUES, constants or set-returning functions). */
function readsTable(select: SelectStmt, ctes: ReadonlyMap<string, Node | undefined>): boolean {
  const inner = new Map([...ctes, ...cteQueries(select.withClause)]);
  if (select.larg && readsTable(select.larg, inner)) return true;
  if (select.rarg && readsTable(select.rarg, inner)) return true;
  return (select.fromClause ?? []).some((item) => fromItemReadsTable(item, inner));
}

function fromItemReadsTable(item: Node | undefined, ctes: ReadonlyMap<string, Node | undefined>): boolean {
  if (!item) return false;
  if ('RangeVar' in item) {
    const name = item.RangeVar.relname;
    if (item.RangeVar.schemaname || !name || !ctes.has(name)) return true;
    const query = ctes.get(name);
    const rest = new Map(ctes);
    rest.delete(name);
    return query !== undefined && 'SelectStmt' in query && readsTable(query.SelectStmt, rest);
  }
  if ('JoinExpr' in item) return fromItemReadsTable(item.JoinExpr.larg, ctes) || fromItemReadsTable(item.JoinExpr.rarg, ctes);
  if ('RangeSubselect' in item) {
    const query = item.RangeSubselect.subquery;
    return query !== undefined && 'SelectStmt' in query && readsTable(query.SelectStmt, ctes);
  }
  return false;
}

/** Why this statement runs unbatched here, or undefined where the runner batches it. */
function unbatchedBecause(context: RuleContext): string | undefined {
  const { phase, file } = context;
  if (file.layout !== 'native') {
    return phase === 'expand'
      ? 'runs as part of this migration, before the new code ships (a file without pgtandem phases is all expand), as one statement'
      : `is in the ${phase} section of a ${file.layout} file, which pgtandem’s runner does not apply: it runs as one statement`;
  }
  if (phase === 'migrate') {
    if (!context.appliedByRunner) return 'is in migrate, but pgtandem’s runner does not apply this file (runner: "external"), so nothing batches it: it runs as one statement';
    if (context.transaction.mode === 'script') return 'is in migrate, but the runner calls a TypeScript migration’s phase function in one transaction and cannot batch it: it runs as one statement';
    if (context.transaction.explicit) return 'is in migrate, but inside BEGIN … COMMIT, where the runner cannot batch it: it runs as one statement';
    return undefined;
  }
  const running = phase === 'expand' ? 'v1' : 'v2';
  return `in ${phase} runs in the phase’s single transaction while ${running} is live`;
}

function runsNow(statement: Statement): boolean {
  // A function body runs when the function is called (a trigger, per row), not as part of the migration.
  return statement.container?.kind !== 'function';
}

export default defineRule({
  id: 'backfill-outside-migrate-phase',
  category: 'transaction',
  severity: 'warn',
  phases: ['expand', 'migrate', 'contract'],
  summary: 'A bulk UPDATE, DELETE, INSERT … SELECT or MERGE on an existing table outside the runner’s batched migrate phase.',
  why:
    'A backfill run as one statement changes every matching row in one transaction: each row stays locked against the running app’s writes until it commits, ' +
    'the whole change hits the WAL at once (replica lag) and leaves as many dead tuples, and on a large table it runs for minutes — inside a deploy step, ' +
    'and in the same transaction as the DDL around it. Expand runs before v2 ships and contract after v1 is gone, each in one transaction; only the migrate phase, ' +
    'applied by pgtandem’s runner, is split into short keyset batches. Not flagged: seed rows (INSERT … VALUES, INSERT … SELECT of constants), ' +
    'rows picked by key (WHERE id = … or id IN (…)), and filling a table created earlier in the same migration.',
  fix:
    'Expand: add the column (nullable, or with a constant default) and, if v1 keeps writing rows, a trigger that fills it for them. ' +
    'Migrate: put the UPDATE / DELETE / INSERT … SELECT under -- pgtandem:migrate, written to be re-runnable (WHERE new_col IS NULL): the runner applies it in keyset batches, ' +
    'each its own short transaction. Contract: what needs the backfill done (SET NOT NULL, VALIDATE CONSTRAINT). With another migration tool, run the backfill as a batched job between deploys.',
  examples: {
    bad: [
      "ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu' WHERE region IS NULL;\n",
      "-- pgtandem:contract\nDELETE FROM sessions WHERE expires_at < now() - interval '30 days';\n",
      "INSERT INTO order_archive (id, total_cents)\nSELECT id, total_cents FROM orders WHERE created_at < '2020-01-01';\n",
    ],
    good: [
      "ALTER TABLE orders ADD COLUMN region text;\n-- pgtandem:migrate\nUPDATE orders SET region = 'eu' WHERE region IS NULL;\n",
      "INSERT INTO feature_flags (name, enabled) VALUES ('new_checkout', false), ('dark_mode', false);\n",
      'CREATE TABLE order_totals (user_id bigint PRIMARY KEY, total_cents bigint NOT NULL);\n' +
        'INSERT INTO order_totals (user_id, total_cents) SELECT user_id, sum(total_cents) FROM orders GROUP BY user_id;\n',
    ],
  },
  check(statement, context) {
    if (!runsNow(statement)) return;
    const changes = dataChanges(statement.node).filter((c) => !context.isNew('table', c.table));
    if (changes.length === 0) return;
    const because = unbatchedBecause(context);
    if (!because) return;
    const what = [...new Set(changes.map((c) => `${c.verb} of ${displayName(c.table)}`))].join(', ');
    const remedy = context.transaction.mode === 'script'
      ? 'put it under -- pgtandem:migrate in a .sql migration, which the runner applies in short batches (batches written inside a TypeScript phase still commit together)'
      : context.appliedByRunner
      ? 'move it under -- pgtandem:migrate, which the runner applies in short batches'
      : 'run it in short batches (keyset ranges, one transaction each) outside the schema migration';
    context.report({
      message: `${what} ${because}: every row it changes stays locked against the app’s writes until it commits, and on a large table all of it happens at once (WAL burst, replica lag, dead rows); ${remedy}.`,
    });
  },
});
