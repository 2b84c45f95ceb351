import type { DeleteStmt, InsertStmt, Node, RangeVar, SelectStmt, UpdateStmt, WithClause } from '@pgsql/types';
import { BackfillRefusedError } from '../../errors.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../../sql/names.js';
import { nodeOf, type Statement } from '../../sql/statement.js';
import { spliceCondition, StatementText, type WhereSite } from './statement-text.js';

export type BackfillVerb = 'UPDATE' | 'DELETE' | 'INSERT';

/**
 * What a batchable statement looks like, read from its parse tree alone (no
 * database): which table the batches walk and how to restrict the statement to
 * one batch of that table's keys.
 */
export interface BackfillShape {
  verb: BackfillVerb;
  /** The table whose key the batches walk: the target of UPDATE/DELETE, the source of INSERT … SELECT. */
  scanned: QualifiedName;
  /** `ONLY t`: the statement leaves inheritance children alone, so the batches must too. */
  only: boolean;
  /** How the statement names the scanned table in its expressions (alias or table name), quoted. */
  reference: string;
  /** The condition rows of the scanned table must meet (the statement's or its SELECT's WHERE). */
  where: Node | undefined;
  /** The same name unquoted, as column references in `where` spell it. */
  referenceName: string;
  /** The table the statement changes. */
  target: QualifiedName;
  /** Columns an UPDATE assigns: batches walking a key must not move rows along it. */
  assignedColumns: string[];
  /** Function names called in an INSERT's select list (outside subqueries): aggregates are refused once the catalog says which are. */
  selectFunctions: string[];
  /** The statement as written, comments blanked out. */
  asWritten: string;
  /** The statement as written, with `condition` ANDed to its WHERE. */
  restrictedTo(condition: string): string;
}

/**
 * UPDATE, DELETE and INSERT … SELECT … FROM: the statements the runner batches
 * in the migrate phase. One inside a DO block or a function body runs with it, as written.
 */
export function isBackfillStatement(statement: Statement): boolean {
  if (statement.container) return false;
  if (statement.kind === 'UpdateStmt' || statement.kind === 'DeleteStmt') return true;
  // INSERT … SELECT FROM (VALUES …) or FROM generate_series(…) reads no table: seed data, not a backfill.
  const select = selectOf(nodeOf(statement, 'InsertStmt'));
  return select !== undefined && rangeVarsIn(select.fromClause).length > 0;
}

/** The shape of a batchable statement; throws `BackfillRefusedError` saying why when it has none. */
export function backfillShape(statement: Statement): BackfillShape {
  const update = nodeOf(statement, 'UpdateStmt');
  if (update) return updateOrDeleteShape(statement, 'UPDATE', update);
  const del = nodeOf(statement, 'DeleteStmt');
  if (del) return updateOrDeleteShape(statement, 'DELETE', del);
  const insert = nodeOf(statement, 'InsertStmt');
  if (insert) return insertShape(statement, insert);
  throw refusal(verbOf(statement), undefined, `a ${statement.kind} is not an UPDATE, DELETE or INSERT … SELECT`);
}

/**
 * UPDATE … FROM / DELETE … USING other tables are batched too: restricting the
 * target rows to one batch does not change what each of them joins to, as long
 * as the target itself is not read again.
 */
function updateOrDeleteShape(statement: Statement, verb: 'UPDATE' | 'DELETE', node: UpdateStmt | DeleteStmt): BackfillShape {
  const target = nameOfRangeVar(node.relation);
  if (!target || !node.relation) throw refusal(verb, undefined, 'its target table could not be read');
  if (node.returningClause) throw refusal(verb, target, 'it has RETURNING, and each batch would return only its own rows');
  if (node.whereClause && 'CurrentOfExpr' in node.whereClause) throw refusal(verb, target, 'WHERE CURRENT OF follows a cursor, not a key');
  checkWith(verb, target, node.withClause);
  const { relation, ...rest } = node;
  if (mentions(rest, target)) {
    throw refusal(verb, target, `it reads ${displayName(target)} again (self-join or subquery), so each batch would see the changes of the batches before it`);
  }
  const source = new StatementText(statement);
  const verbAt = source.findKeyword([verb]);
  // UPDATE/DELETE have no clause after WHERE but RETURNING, refused above: the condition runs to the end.
  const where = node.whereClause ? source.findKeyword(['WHERE'], verbAt + 1) : -1;
  if (verbAt === -1 || (node.whereClause && where === -1)) throw refusal(verb, target, 'its clauses could not be located in the text');
  const site: WhereSite = { where: where === -1 ? undefined : where, end: source.text.length };
  return {
    verb,
    scanned: target,
    only: relation.inh !== true,
    reference: quoteIdent(relation.alias?.aliasname ?? target.name),
    referenceName: relation.alias?.aliasname ?? target.name,
    where: node.whereClause,
    target,
    assignedColumns: 'targetList' in node ? (node.targetList ?? []).flatMap((t) => ('ResTarget' in t && t.ResTarget.name ? [t.ResTarget.name] : [])) : [],
    selectFunctions: [],
    asWritten: source.text,
    restrictedTo: (condition) => spliceCondition(source, site, condition),
  };
}

function insertShape(statement: Statement, insert: InsertStmt): BackfillShape {
  const target = nameOfRangeVar(insert.relation);
  const select = selectOf(insert);
  if (!target || !select) throw refusal('INSERT', target, 'only INSERT … SELECT is batched');
  if (insert.returningClause) throw refusal('INSERT', target, 'it has RETURNING, and each batch would return only its own rows');
  checkWith('INSERT', target, insert.withClause);
  checkWith('INSERT', target, select.withClause);
  if (select.op && select.op !== 'SETOP_NONE') throw refusal('INSERT', target, 'its SELECT is a UNION/INTERSECT/EXCEPT of several queries');
  const from = select.fromClause ?? [];
  const rangeVar = from.length === 1 && from[0] && 'RangeVar' in from[0] ? from[0].RangeVar : undefined;
  if (!rangeVar) throw refusal('INSERT', target, 'its SELECT does not read exactly one table (a join or a subquery has no single key to walk)');
  const scanned = nameOfRangeVar(rangeVar)!;
  if (sameTable(scanned, target)) throw refusal('INSERT', target, 'it reads the table it inserts into, so the batches would walk their own new rows');
  const unbatchable: Array<[unknown, string]> = [
    [select.distinctClause, 'DISTINCT'],
    [select.groupClause, 'GROUP BY'],
    [select.havingClause, 'HAVING'],
    [select.windowClause, 'WINDOW'],
    [select.sortClause, 'ORDER BY'],
    [select.limitCount ?? select.limitOffset, 'LIMIT/OFFSET'],
    [select.lockingClause, 'FOR UPDATE/SHARE'],
    [select.intoClause, 'INTO'],
  ];
  for (const [clause, name] of unbatchable) {
    if (clause !== undefined) throw refusal('INSERT', target, `its SELECT has ${name}, which means something else over one batch than over the whole table`);
  }
  const functions = topLevelFunctions(select.targetList);
  if (functions.some((f) => f.window)) throw refusal('INSERT', target, 'its SELECT uses a window function (OVER), which sees only one batch at a time');
  if (functions.some((f) => f.aggregate)) throw refusal('INSERT', target, 'its SELECT aggregates rows, and one batch is not the whole table');

  const source = new StatementText(statement);
  const selectAt = source.findKeyword(['SELECT'], Math.max(0, source.findKeyword(['INSERT'])));
  const fromAt = selectAt === -1 ? -1 : source.findKeyword(['FROM'], selectAt + 1);
  // After the single table come WHERE, then ON CONFLICT (the other clauses were refused above).
  const where = select.whereClause ? source.findKeyword(['WHERE'], fromAt + 1, ['ON']) : -1;
  const end = source.findKeyword(['ON', 'RETURNING'], Math.max(fromAt, where) + 1);
  if (fromAt === -1 || (select.whereClause && where === -1)) throw refusal('INSERT', target, 'its clauses could not be located in the text');
  const site: WhereSite = { where: where === -1 ? undefined : where, end: source.offsetOf(end) };
  return {
    verb: 'INSERT',
    scanned,
    only: rangeVar.inh !== true,
    reference: quoteIdent(rangeVar.alias?.aliasname ?? scanned.name),
    referenceName: rangeVar.alias?.aliasname ?? scanned.name,
    where: select.whereClause,
    target,
    assignedColumns: [],
    selectFunctions: [...new Set(functions.map((f) => f.name))],
    asWritten: source.text,
    restrictedTo: (condition) => spliceCondition(source, site, condition),
  };
}

function selectOf(insert: InsertStmt | undefined): SelectStmt | undefined {
  const node = insert?.selectStmt;
  if (!node || !('SelectStmt' in node)) return undefined;
  const select = node.SelectStmt;
  return select.valuesLists?.length ? undefined : select;
}

/** Read-only CTEs are kept as written; a data-modifying one would change a second table batch by batch. */
function checkWith(verb: BackfillVerb, target: QualifiedName, clause: WithClause | undefined): void {
  for (const cte of clause?.ctes ?? []) {
    const query = 'CommonTableExpr' in cte ? cte.CommonTableExpr.ctequery : undefined;
    if (query && !('SelectStmt' in query)) {
      throw refusal(verb, target, 'its WITH clause changes another table, and a statement touching several tables cannot be split safely');
    }
  }
}

interface CalledFunction {
  name: string;
  aggregate: boolean;
  window: boolean;
}

/** Function calls in a select list, not descending into subqueries (their aggregates are their own). */
function topLevelFunctions(targetList: Node[] | undefined): CalledFunction[] {
  const found: CalledFunction[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if ('SubLink' in record) return;
    const call = record['FuncCall'] as { funcname?: Node[]; over?: unknown; agg_star?: boolean; agg_distinct?: boolean; agg_order?: unknown; agg_filter?: unknown } | undefined;
    if (call) {
      const parts = (call.funcname ?? []).map((n) => ('String' in n ? n.String.sval : undefined));
      found.push({
        name: parts.at(-1) ?? '',
        window: call.over !== undefined,
        aggregate: call.agg_star === true || call.agg_distinct === true || call.agg_order !== undefined || call.agg_filter !== undefined,
      });
    }
    for (const child of Object.values(record)) visit(child);
  };
  visit(targetList);
  return found;
}

/** Whether any RangeVar under `node` names `table` (a name without schema matches either way). */
function mentions(node: unknown, table: QualifiedName): boolean {
  return rangeVarsIn(node).some((rangeVar) => {
    const name = nameOfRangeVar(rangeVar);
    return name !== undefined && sameTable(name, table);
  });
}

/** Every table reference under `node`, subqueries included. */
function rangeVarsIn(node: unknown, found: RangeVar[] = []): RangeVar[] {
  if (Array.isArray(node)) {
    for (const child of node) rangeVarsIn(child, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if ('RangeVar' in record) found.push(record['RangeVar'] as RangeVar);
    for (const child of Object.values(record)) rangeVarsIn(child, found);
  }
  return found;
}

function sameTable(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema);
}

function verbOf(statement: Statement): string {
  return statement.kind.replace(/Stmt$/, '').toUpperCase();
}

/** The one-line refusal: what, why, and how to run it anyway. */
export function refusal(verb: string, table: QualifiedName | undefined, reason: string): BackfillRefusedError {
  const what = table ? `${verb} of ${displayName(table)}` : verb;
  return new BackfillRefusedError(
    reason,
    `Cannot run this ${what} in keyset batches: ${reason}. Put "-- pgtandem:no-batch" on the line before it to run it as written, in one transaction.`,
  );
}
