import { quoteIdent } from '../../sql/names.js';
import type { BackfillShape } from './backfill-shape.js';
import { tableDisplayName, type ScannedTable } from './scanned-table.js';

/** Name of the CTE holding one batch's keys; the restricted statement reads it. */
const BATCH = 'pgtandem_batch';
const CHANGE = 'pgtandem_change';

/** The SQL of one batch, and the key condition that restricts the statement to it. */
export class BatchSql {
  private readonly columns: string[];
  private readonly list: string;

  constructor(
    private readonly shape: BackfillShape,
    private readonly table: ScannedTable,
  ) {
    this.columns = table.key.columns.map((c) => quoteIdent(c.name));
    this.list = this.columns.join(', ');
  }

  /**
   * One batch: the next keys after the cursor (its values first, absent for
   * the first batch) up to the upper bound (its values next), at most the batch
   * size (the last parameter); the statement restricted to them; and one row
   * `(changed, scanned, last_key)` with the last key as text.
   */
  batch(withCursor: boolean): string {
    const { list, columns } = this;
    const width = this.table.key.columns.length;
    const placeholders = (from: number) => this.table.key.columns.map((c, i) => `$${from + i}::${c.type}`);
    const row = (values: string[]) => (values.length === 1 ? values[0]! : `(${values.join(', ')})`);
    const cursorRow = row(placeholders(1));
    const upperRow = row(placeholders(withCursor ? width + 1 : 1));
    const limit = `$${withCursor ? 2 * width + 1 : width + 1}`;
    const descending = columns.map((c) => `${c} DESC`).join(', ');
    const target = this.keyOf(`${this.shape.reference}.`);
    // The IN list alone is exact; the key range around it lets the planner walk the key's
    // index instead of hashing the whole table when batches are large.
    const range = `${withCursor ? `${target} > ${cursorRow} AND ` : ''}${target} <= (SELECT ${list} FROM ${BATCH} ORDER BY ${descending} LIMIT 1)`;
    const restricted = this.shape.restrictedTo(`${target} IN (SELECT ${list} FROM ${BATCH}) AND ${range}`);
    const from = `${this.shape.only ? 'ONLY ' : ''}${tableDisplayName(this.table)}`;
    const after = `${withCursor ? `${this.keyOf('')} > ${cursorRow} AND ` : ''}${this.keyOf('')} <= ${upperRow}`;
    return [
      `WITH ${BATCH} AS MATERIALIZED (`,
      `  SELECT ${list} FROM ${from} WHERE ${after} ORDER BY ${list} LIMIT ${limit}`,
      `), ${CHANGE} AS (`,
      `  ${restricted}`,
      '  RETURNING 1',
      ')',
      `SELECT (SELECT count(*) FROM ${CHANGE})::int8 AS changed, (SELECT count(*) FROM ${BATCH})::int8 AS scanned,`,
      `  (SELECT ARRAY[${columns.map((c) => `${c}::text`).join(', ')}] FROM ${BATCH} ORDER BY ${descending} LIMIT 1) AS last_key`,
    ].join('\n');
  }

  /**
   * The last key when the backfill starts, as text (no row: an empty table).
   * Batches stop there: rows inserted later were written by releases that
   * already keep the new schema up to date (expand's triggers), and a backfill
   * chasing a table that keeps growing would never finish.
   */
  upper(): string {
    const from = `${this.shape.only ? 'ONLY ' : ''}${tableDisplayName(this.table)}`;
    const descending = this.columns.map((c) => `${c} DESC`).join(', ');
    return `SELECT ARRAY[${this.columns.map((c) => `${c}::text`).join(', ')}] AS upper FROM ${from} ORDER BY ${descending} LIMIT 1`;
  }

  /** The statement as written, in the same result shape: scanning nothing, it is done after one run. */
  asWritten(): string {
    return [
      `WITH ${CHANGE} AS (`,
      `  ${this.shape.asWritten}`,
      '  RETURNING 1',
      ')',
      `SELECT (SELECT count(*) FROM ${CHANGE})::int8 AS changed, 0::int8 AS scanned, NULL::text[] AS last_key`,
    ].join('\n');
  }

  /** For display: the statement restricted to `key IN (batch)`. */
  display(): string {
    return this.shape.restrictedTo(`${this.keyOf(`${this.shape.reference}.`)} IN (batch)`);
  }

  private keyOf(prefix: string): string {
    const columns = this.columns.map((c) => prefix + c);
    return columns.length === 1 ? columns[0]! : `(${columns.join(', ')})`;
  }
}
