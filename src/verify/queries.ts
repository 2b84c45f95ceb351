import { readFile } from 'node:fs/promises';
import type pg from 'pg';
import type { InsertStmt } from '@pgsql/types';
import { UsageError } from '../errors.js';
import { nameOfRangeVar, quoteIdent } from '../sql/names.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { explainExecute } from './prepared-session.js';
import { readStatStatements } from './stat-statements.js';

/** The SQL one application version runs: each statement with its place in the file. */
export interface QueryFile {
  /** As given on the command line, for findings. */
  path: string;
  text: string;
  queries: Query[];
}

export interface Query {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  text: string;
  statement: Statement;
  /** pg_stat_statements' id, for a query from an export. */
  queryid?: string;
}

/** What went wrong with one query at one moment. */
export interface QueryProblem {
  query: Query;
  message: string;
}

/** Statements PREPARE accepts; anything else in a queries file (SET, BEGIN, …) is not an application query to check. */
const PREPARABLE = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/**
 * Reads the queries of one application version: a `.sql` file of statements
 * (`$1` parameters allowed), or a pg_stat_statements export (`.json`, `.csv`
 * with a `query` column). Needs the parser loaded.
 */
export async function loadQueryFile(path: string, displayPath: string): Promise<QueryFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read queries file ${displayPath}: ${(error as { code?: string }).code ?? String(error)}`);
  }
  const format = /\.json$/i.test(path) ? 'json' : /\.csv$/i.test(path) ? 'csv' : undefined;
  if (format) {
    const queries = readStatStatements(text, displayPath, format).flatMap((row): Query[] => {
      const statement = parseSegment(row.query, { phase: 'expand', start: 0, end: row.query.length }).statements[0];
      if (!statement || !(statement.kind === 'Invalid' || PREPARABLE.has(statement.kind))) return [];
      return [{ line: row.line, column: 1, endLine: row.line, endColumn: 1, text: row.query.trim().replace(/;\s*$/, ''), statement, ...(row.queryid ? { queryid: row.queryid } : {}) }];
    });
    return { path: displayPath, text, queries };
  }
  const source = new SourceText(text);
  const { statements } = parseSegment(text, { phase: 'expand', start: 0, end: text.length });
  const queries = statements
    .filter((s) => s.kind === 'Invalid' || PREPARABLE.has(s.kind))
    .map((statement): Query => {
      const from = source.position(statement.start);
      const to = source.position(statement.end);
      return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column, text: statement.text, statement };
    });
  return { path: displayPath, text, queries };
}

/**
 * Checks every query against the database as it is now: it must PREPARE,
 * its plan must build (`EXPLAIN EXECUTE` with NULL parameters, nothing
 * runs), and an INSERT must supply every NOT NULL column that has no
 * default (PREPARE does not check that; the row would fail at run time).
 */
export async function checkQueries(client: pg.ClientBase, file: QueryFile): Promise<QueryProblem[]> {
  const problems: QueryProblem[] = [];
  for (const query of file.queries) {
    const message = (await prepareProblem(client, query)) ?? (await missingRequiredColumns(client, query));
    if (message) problems.push({ query, message });
  }
  return problems;
}

async function prepareProblem(client: pg.ClientBase, query: Query): Promise<string | undefined> {
  const name = 'pgtandem_verify_query';
  try {
    await client.query(`PREPARE ${name} AS ${query.text}`);
  } catch (error) {
    return describe(error);
  }
  try {
    return await explainExecute(client, name);
  } finally {
    await client.query(`DEALLOCATE ${name}`).catch(() => {});
  }
}

/**
 * The NOT NULL columns without a default, identity or generation expression
 * that an INSERT leaves out. A column that a BEFORE INSERT row trigger's
 * function assigns (`NEW.col`) is not required: a sync trigger of the expand
 * phase may fill it.
 */
async function missingRequiredColumns(client: pg.ClientBase, query: Query): Promise<string | undefined> {
  const insert = nodeOf(query.statement, 'InsertStmt');
  const table = nameOfRangeVar(insert?.relation);
  if (!insert || !table) return undefined;
  const qualified = table.schema ? `${quoteIdent(table.schema)}.${quoteIdent(table.name)}` : quoteIdent(table.name);
  const { rows } = await client.query<{ name: string; required: boolean }>(
    `SELECT a.attname AS name, a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '' AS required
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [qualified],
  );
  if (rows.length === 0) return undefined;
  const supplied = suppliedColumns(insert, rows.map((r) => r.name));
  if (!supplied) return undefined;
  const candidates = rows.filter((r) => r.required && !supplied.has(r.name)).map((r) => r.name);
  if (candidates.length === 0) return undefined;
  // Enabled row-level (1) BEFORE (2) INSERT (4) triggers.
  const { rows: triggers } = await client.query<{ source: string }>(
    `SELECT p.prosrc AS source FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE t.tgrelid = to_regclass($1) AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 7) = 7`,
    [qualified],
  );
  const assigned = (column: string): boolean => {
    const name = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`\\bnew\\s*\\.\\s*(?:"${name}"|${name}\\b)`, 'i');
    return triggers.some((t) => pattern.test(t.source));
  };
  const missing = candidates.filter((column) => !assigned(column));
  if (missing.length === 0) return undefined;
  return `INSERT into ${table.name} does not supply ${missing.join(', ')}: NOT NULL without a default (null value in column "${missing[0]}" violates not-null constraint at run time)`;
}

/** The columns an INSERT gives values to, or undefined when that cannot be told from the text (`SELECT *`). */
function suppliedColumns(insert: InsertStmt, columns: readonly string[]): Set<string> | undefined {
  if (insert.cols && insert.cols.length > 0) {
    return new Set(insert.cols.map((c) => ('ResTarget' in c ? (c.ResTarget.name ?? '') : '')));
  }
  const select = insert.selectStmt && 'SelectStmt' in insert.selectStmt ? insert.selectStmt.SelectStmt : undefined;
  if (!select) return new Set();
  let count: number;
  if (select.valuesLists && select.valuesLists.length > 0) {
    const first = select.valuesLists[0]!;
    count = 'List' in first ? (first.List.items?.length ?? 0) : 0;
  } else if (select.targetList) {
    const star = select.targetList.some((t) => 'ResTarget' in t && t.ResTarget.val !== undefined && 'ColumnRef' in t.ResTarget.val && t.ResTarget.val.ColumnRef.fields?.some((f) => 'A_Star' in f));
    if (star) return undefined;
    count = select.targetList.length;
  } else return undefined;
  return new Set(columns.slice(0, count));
}

function describe(error: unknown): string {
  return (error as { message?: string }).message ?? String(error);
}
