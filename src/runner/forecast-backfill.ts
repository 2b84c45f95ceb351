import type pg from 'pg';
import type { BackfillEngine } from './backfill-engine.js';
import { timeoutSettings } from './lock-retry.js';
import type { RunnerSettings } from './settings.js';

export type ForecastSettings = Pick<RunnerSettings, 'batchSize' | 'batchDelayMs' | 'batchTargetMs' | 'lockTimeout' | 'statementTimeout'>;

/**
 * The forecast line of one planned backfill (`migrate --dry-run`, `verify --seed`):
 * `estimate: orders: ~4.2M rows, ~6 min at the sampled 11,800 rows/s (batch 5,000)`.
 * A sample that fails (the columns it sets do not exist before expand) says so instead.
 */
export async function forecastBackfill(engine: BackfillEngine, client: pg.ClientBase, plan: unknown, settings: ForecastSettings): Promise<string> {
  try {
    const options = { batchSize: settings.batchSize, batchDelayMs: settings.batchDelayMs, batchTargetMs: settings.batchTargetMs, timeouts: timeoutSettings(settings, 'LOCAL') };
    return `estimate: ${engine.describeEstimate(await engine.estimateBackfill(client, plan as never, options))}`;
  } catch (error) {
    return `estimate: unavailable, the sampled batch failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}
