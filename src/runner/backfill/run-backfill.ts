import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { BackfillRefusedError } from '../../errors.js';
import { nextBatchSize } from './batch-size.js';
import type { BackfillPlan } from './plan-backfill.js';

/**
 * Runs `work` in one short transaction: BEGIN, SET LOCAL lock_timeout and
 * statement_timeout (and `settings`, each set for the transaction only),
 * retry on lock_not_available, COMMIT. Provided by the runner; `work` may
 * run more than once and keeps no state between attempts.
 */
export type TransactionRunner = <T>(work: (client: pg.ClientBase) => Promise<T>, settings?: Readonly<Record<string, string>>) => Promise<T>;

/**
 * Where a backfill stands, saved by `saveCursor` in each batch's own
 * transaction. JSON-serializable: `key` holds the last scanned key's values as
 * text (null before the first batch).
 */
export interface BackfillCursor {
  key: unknown[] | null;
  /** Rows the statement changed (or inserted), over every run. */
  rowsDone: number;
  batches: number;
  /** Set by the batch that found no row after `key`: a rerun does nothing. */
  done: boolean;
  /** Rows the batches walked, changed or not (progress against the table's size). */
  rowsScanned?: number;
  /** The last key when the backfill started: the batches stop there (see BatchSql.upper). */
  upper?: unknown[];
}

export interface BackfillProgress {
  table: string;
  rowsDone: number;
  /** `reltuples` of the table: approximate, and a count of rows to walk, not of rows to change. */
  estimatedTotal?: number;
  rowsPerSecond: number;
  batchSize: number;
  batches: number;
  rowsScanned: number;
  scannedPerSecond: number;
  done: boolean;
}

export interface BackfillOptions {
  transaction: TransactionRunner;
  cursor?: BackfillCursor;
  /** Stores the cursor; called inside the batch's transaction, on its client. */
  saveCursor(client: pg.ClientBase, cursor: BackfillCursor): Promise<void>;
  batchSize: number;
  batchDelayMs: number;
  /** The duration a batch should stay under; the batch size adapts to it (0: fixed size). */
  batchTargetMs: number;
  onProgress?(progress: BackfillProgress): void;
  /** Stops between batches (never inside one) by throwing the signal's reason. */
  signal?: AbortSignal;
  /** Before each batch, outside any transaction: may wait (the database's health) or throw (the cursor is saved). */
  beforeBatch?(cursor: BackfillCursor): Promise<void>;
  /** At the end of each batch, inside its transaction, while it still holds its row locks. */
  inBatch?(client: pg.ClientBase): Promise<void>;
}

interface BatchResult {
  cursor: BackfillCursor;
  scanned: number;
  changed: number;
  durationMs: number;
}

/**
 * Runs a planned backfill batch after batch until a batch finds no row past
 * the cursor, and returns the final cursor (`done: true`). Each batch changes
 * at most `size` rows of the walked key range and saves the new cursor in the
 * same transaction, so a crash anywhere loses or repeats nothing: rerun with
 * the saved cursor. The batches walk the keys up to the last one when the
 * backfill started: rows inserted after that were written by releases that
 * already keep the new schema (expand's triggers), so they are not revisited.
 */
export async function runBackfill(plan: BackfillPlan, options: BackfillOptions): Promise<BackfillCursor> {
  let cursor: BackfillCursor = options.cursor ?? { key: null, rowsDone: 0, batches: 0, done: false, rowsScanned: 0 };
  if (cursor.done) return cursor;
  if (cursor.key !== null && cursor.key.length !== plan.key.columns.length) {
    const reason = `the saved cursor has ${cursor.key.length} key values but ${plan.table}'s key ${plan.key.index} has ${plan.key.columns.length} columns`;
    throw new BackfillRefusedError(reason, `Cannot resume the backfill of ${plan.table}: ${reason}; the key changed since the backfill started.`);
  }
  if (plan.batched && cursor.upper === undefined) {
    // Read and saved in one transaction before the first batch, so a resumed run walks to the same bound.
    cursor = await options.transaction(async (client) => {
      const row = (await client.query<{ upper: string[] }>(plan.upperSql)).rows[0];
      const next: BackfillCursor = row ? { ...cursor, upper: row.upper } : { ...cursor, done: true };
      await options.saveCursor(client, next);
      return next;
    });
    if (cursor.done) return cursor;
  }
  const configured = Math.max(1, Math.floor(options.batchSize));
  let size = configured;
  const started = performance.now();
  let changedThisRun = 0;
  let scannedThisRun = 0;

  for (;;) {
    options.signal?.throwIfAborted();
    await options.beforeBatch?.(cursor);
    options.signal?.throwIfAborted();
    const batch = await runBatch(plan, cursor, size, options);
    cursor = batch.cursor;
    changedThisRun += batch.changed;
    scannedThisRun += batch.scanned;
    const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
    options.onProgress?.({
      table: plan.table,
      rowsDone: cursor.rowsDone,
      ...(plan.estimatedTotal === undefined ? {} : { estimatedTotal: plan.estimatedTotal }),
      rowsPerSecond: changedThisRun / seconds,
      batchSize: size,
      batches: cursor.batches,
      rowsScanned: cursor.rowsScanned ?? scannedThisRun,
      scannedPerSecond: scannedThisRun / seconds,
      done: cursor.done,
    });
    if (cursor.done) return cursor;
    size = nextBatchSize(size, batch.durationMs, { targetMs: options.batchTargetMs, configured, full: batch.scanned >= size });
    if (options.batchDelayMs > 0) await sleep(options.batchDelayMs, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/**
 * Set for the length of each batch's transaction: a sync trigger that computes what the
 * backfill's own statement sets can skip the rows the backfill writes
 * (`WHEN (current_setting('pgtandem.backfill', true) IS DISTINCT FROM 'on')`).
 */
export const BACKFILL_SETTING = 'pgtandem.backfill';

/** Sent with each batch's BEGIN: no round trip of its own. */
const BATCH_SETTINGS = { [BACKFILL_SETTING]: 'on' };

async function runBatch(plan: BackfillPlan, cursor: BackfillCursor, size: number, options: BackfillOptions): Promise<BatchResult> {
  return options.transaction(async (client) => {
    const sql = cursor.key === null ? plan.firstBatchSql : plan.nextBatchSql;
    const from = performance.now();
    const parameters = plan.batched ? [...(cursor.key ?? []), ...(cursor.upper ?? []), size] : [];
    const result = await client.query<{ changed: string; scanned: string; last_key: string[] | null }>(sql, parameters);
    const durationMs = performance.now() - from;
    await options.inBatch?.(client);
    const row = result.rows[0];
    const scanned = Number(row?.scanned ?? 0);
    const changed = Number(row?.changed ?? 0);
    const next: BackfillCursor =
      scanned === 0 || !row?.last_key
        ? // A statement run as written is its own single batch.
          { ...cursor, rowsDone: cursor.rowsDone + changed, batches: cursor.batches + (plan.batched ? 0 : 1), done: true }
        : {
            key: row.last_key,
            rowsDone: cursor.rowsDone + changed,
            batches: cursor.batches + 1,
            done: false,
            rowsScanned: (cursor.rowsScanned ?? 0) + scanned,
            ...(cursor.upper ? { upper: cursor.upper } : {}),
          };
    await options.saveCursor(client, next);
    return { cursor: next, scanned, changed, durationMs };
  }, BATCH_SETTINGS);
}
