/**
 * The migrate phase's batched, resumable backfill: the runner's executor hands
 * every UPDATE / DELETE / INSERT … SELECT of a migrate section to this module
 * (unless `-- pgtandem:no-batch` stands before it).
 */
export { isBackfillStatement, backfillShape, type BackfillShape, type BackfillVerb } from './backfill-shape.js';
export { planBackfill, describeBackfill, type BackfillPlan } from './plan-backfill.js';
export {
  runBackfill,
  type BackfillCursor,
  type BackfillOptions,
  type BackfillProgress,
  type TransactionRunner,
} from './run-backfill.js';
export { hasNoBatchDirective } from './no-batch.js';
export { estimateBackfill, describeEstimate, type BackfillEstimate, type EstimateOptions } from './estimate-backfill.js';
export type { TableKey, KeyColumn } from './scanned-table.js';
export { nextBatchSize } from './batch-size.js';
export { BackfillRefusedError } from '../../errors.js';
