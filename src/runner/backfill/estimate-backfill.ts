import type pg from 'pg';
import { BACKFILL_SETTING } from './run-backfill.js';
import type { BackfillPlan } from './plan-backfill.js';

/** How long a backfill should take: the table's size from the catalog, the speed of a sampled batch. */
export interface BackfillEstimate {
  table: string;
  /** `reltuples`: undefined when the table was never analyzed. */
  rows: number | undefined;
  /** Rows walked per second by the sampled batch (rolled back). */
  rowsPerSecond: number;
  sampleBatch: number;
  /** Undefined without a row count. */
  seconds: number | undefined;
}

// Five samples, the second fastest: another session's burst can only slow a sample down, and on a busy
// server it lands on one or two of them (the median of three was once 2.1× off in CI for that reason).
const SAMPLES = 5;

export interface EstimateOptions {
  batchSize: number;
  batchDelayMs: number;
  batchTargetMs: number;
  /** `SET LOCAL lock_timeout …; SET LOCAL statement_timeout …` for the sample's transaction. */
  timeouts: string;
}

/**
 * Runs the backfill's first batch in transactions that are rolled back (at
 * the configured size, then five times at the size the run would grow to
 * when that was too quick to time, taking the second fastest), and extrapolates to the whole table the way the run walks it: the
 * batch size adapting to `batchTargetMs`, `batchDelayMs` between batches.
 */
export async function estimateBackfill(client: pg.ClientBase, plan: BackfillPlan, options: EstimateOptions): Promise<BackfillEstimate> {
  const rows = plan.estimatedTotal;
  const base = { table: plan.table, rows };
  if (!plan.batched) return { ...base, rowsPerSecond: 0, sampleBatch: 0, seconds: 0 };
  const configured = Math.max(1, Math.floor(options.batchSize));
  const first = await sampleBatch(client, plan, configured, options.timeouts);
  let size = configured;
  if (first.scanned >= configured && options.batchTargetMs > 0 && first.ms < options.batchTargetMs / 4) {
    size = Math.min(configured * 100, Math.max(configured * 2, Math.floor((configured * options.batchTargetMs) / 4 / Math.max(first.ms, 1))));
  }
  const rates: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const sample = await sampleBatch(client, plan, size, options.timeouts);
    if (sample.scanned === 0) break;
    rates.push(sample.scanned / Math.max(sample.ms / 1000, 1e-3));
  }
  rates.sort((a, b) => b - a);
  const rowsPerSecond = rates[Math.min(1, rates.length - 1)] ?? 0;
  const sample = { size };
  if (rows === undefined) return { ...base, rowsPerSecond, sampleBatch: sample.size, seconds: undefined };
  // The size the run settles at: the adaptive batches aim at 80% of the target.
  const steady = options.batchTargetMs > 0 ? Math.min(configured * 100, Math.max(configured, (rowsPerSecond * 0.8 * options.batchTargetMs) / 1000)) : configured;
  const batches = Math.ceil(rows / steady);
  const seconds = rows / Math.max(rowsPerSecond, 1e-6) + (batches * options.batchDelayMs) / 1000;
  return { ...base, rowsPerSecond, sampleBatch: sample.size, seconds };
}

async function sampleBatch(client: pg.ClientBase, plan: BackfillPlan, size: number, timeouts: string): Promise<{ size: number; scanned: number; ms: number }> {
  await client.query('BEGIN');
  try {
    await client.query(timeouts);
    await client.query(`SELECT set_config('${BACKFILL_SETTING}', 'on', true)`);
    const upper = (await client.query<{ upper: string[] }>(plan.upperSql)).rows[0]?.upper;
    if (!upper) return { size, scanned: 0, ms: 0 };
    const from = performance.now();
    const result = await client.query<{ scanned: string }>(plan.firstBatchSql, [...upper, size]);
    return { size, scanned: Number(result.rows[0]?.scanned ?? 0), ms: performance.now() - from };
  } finally {
    await client.query('ROLLBACK');
  }
}

/** `orders: ~4.2M rows, ~6 min at the sampled 11,800 rows/s (batch 5,000)` */
export function describeEstimate(estimate: BackfillEstimate): string {
  const rows = estimate.rows === undefined ? 'row count unknown (never analyzed)' : `~${compact(estimate.rows)} rows`;
  const time = estimate.seconds === undefined ? '' : `, ~${duration(estimate.seconds)}`;
  return `${estimate.table}: ${rows}${time} at the sampled ${Math.round(estimate.rowsPerSecond).toLocaleString('en-US')} rows/s (batch ${estimate.sampleBatch.toLocaleString('en-US')})`;
}

function compact(n: number): string {
  if (n >= 1e9) return `${Number((n / 1e9).toFixed(1))}G`;
  if (n >= 1e6) return `${Number((n / 1e6).toFixed(1))}M`;
  if (n >= 1e3) return `${Number((n / 1e3).toFixed(1))}k`;
  return String(Math.round(n));
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Number((seconds / 3600).toFixed(1))} h`;
}
