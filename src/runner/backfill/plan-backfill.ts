import type pg from 'pg';
import { loadParser, parseSql } from '../../sql/pg-parser.js';
import { displayName, quoteIdent } from '../../sql/names.js';
import type { Statement } from '../../sql/statement.js';
import { backfillShape, refusal, type BackfillShape, type BackfillVerb } from './backfill-shape.js';
import { BatchSql } from './batch-sql.js';
import { pinsKey } from './pinned-key.js';
import { readScannedTable, tableDisplayName, type TableKey } from './scanned-table.js';

/**
 * How one migrate statement runs in keyset batches: data, so `--dry-run` can
 * print it and tests can read it. Each batch runs `firstBatchSql` (no cursor
 * yet) or `nextBatchSql` with the cursor's key values as `$1…$n` and the batch
 * size as the last parameter; both return one row `(changed, scanned, last_key)`.
 */
export interface BackfillPlan {
  verb: BackfillVerb;
  /**
   * False when the statement picks rows by constant key values (`WHERE id = 42`):
   * it then runs as written in one transaction (no parameters), and is done.
   */
  batched: boolean;
  /** The table whose key the batches walk, schema-qualified. */
  table: string;
  /** The table the statement changes (the same as `table` except for INSERT … SELECT). */
  target: string;
  key: TableKey;
  /** `reltuples` of `table` when it was analyzed: progress shows it as "~". */
  estimatedTotal: number | undefined;
  /** For display: the statement as written, restricted to the rows of one batch (`key > $cursor AND key <= $batch_end`). */
  batchStatement: string;
  firstBatchSql: string;
  nextBatchSql: string;
  /** The key the batches stop at, read once when the backfill starts (`upper` of the cursor). */
  upperSql: string;
}

/**
 * Plans a migrate statement as a batched backfill, reading the key from the
 * database. Throws `BackfillRefusedError` when the statement cannot be batched.
 */
export async function planBackfill(client: pg.ClientBase, statement: Statement): Promise<BackfillPlan> {
  const shape = backfillShape(statement);
  const table = await readScannedTable(client, shape);
  if (shape.selectFunctions.length > 0) await refuseAggregates(client, shape);
  const moved = table.key.columns.find((c) => shape.assignedColumns.includes(c.name));
  if (moved) {
    throw refusal(shape.verb, shape.target, `it changes ${quoteIdent(moved.name)}, part of the key ${table.key.index} the batches walk, so rows would move past the cursor and be changed twice`);
  }

  const column = table.key.columns.length === 1 ? table.key.columns[0]!.name : undefined;
  const batched = column === undefined || !pinsKey(shape.where, column, shape.referenceName);
  const sql = new BatchSql(shape, table);
  const plan: BackfillPlan = {
    verb: shape.verb,
    batched,
    table: tableDisplayName(table),
    target: shape.verb === 'INSERT' ? displayName(shape.target) : tableDisplayName(table),
    key: table.key,
    estimatedTotal: table.estimatedRows,
    batchStatement: batched ? sql.display() : shape.asWritten,
    firstBatchSql: batched ? sql.batch(false) : sql.asWritten(),
    nextBatchSql: batched ? sql.batch(true) : sql.asWritten(),
    upperSql: sql.upper(),
  };
  // The splice works on tokens; the parser confirms it produced one well-formed statement.
  await loadParser();
  for (const text of [plan.firstBatchSql, plan.nextBatchSql, plan.upperSql]) {
    const parsed = parseSql(text);
    if (!parsed.ok || parsed.statements.length !== 1) throw refusal(shape.verb, shape.target, 'its batched form could not be built from its text');
  }
  return plan;
}

/** One or two lines for `--dry-run`: the table, the key and the shape of a batch. */
export function describeBackfill(plan: BackfillPlan): string {
  const key = plan.key.columns.map((c) => quoteIdent(c.name)).join(', ');
  const rows = plan.estimatedTotal === undefined ? 'size unknown' : `~${plan.estimatedTotal} rows`;
  const changes = plan.verb === 'INSERT' ? `INSERT into ${plan.target} from ${plan.table}` : `${plan.verb} of ${plan.table}`;
  if (!plan.batched) {
    return `${changes} picks rows by constant values of its key (${key}): runs as written, in one transaction\n  ${oneLine(plan.batchStatement)}`;
  }
  return [
    `${changes} in keyset batches over (${key}) [${plan.key.index}], ${rows}; one transaction per batch, cursor saved in it`,
    `  batch: $batch_end = SELECT ${key} FROM ${plan.table} WHERE (${key}) > $cursor AND (${key}) <= $last_key_at_start ORDER BY ${key} OFFSET $size - 1 LIMIT 1 (else $last_key_at_start), then ${oneLine(plan.batchStatement)}`,
  ].join('\n');
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}

/** Aggregates look like any function call in the parse tree; the catalog knows which are. */
async function refuseAggregates(client: pg.ClientBase, shape: BackfillShape): Promise<void> {
  const result = await client.query<{ name: string }>(
    `SELECT DISTINCT proname::text AS name FROM pg_proc WHERE proname = ANY($1::text[]) AND prokind IN ('a', 'w') ORDER BY 1`,
    [shape.selectFunctions],
  );
  const names = result.rows.map((r) => r.name);
  if (names.length > 0) {
    throw refusal(shape.verb, shape.target, `its SELECT aggregates rows (${names.join(', ')}), and one batch is not the whole table`);
  }
}
