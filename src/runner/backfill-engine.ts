import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import type { Statement } from '../sql/statement.js';
import * as backfill from './backfill/backfill.js';
import type { BackfillCursor, BackfillEstimate, BackfillOptions, EstimateOptions } from './backfill/backfill.js';

export type { BackfillCursor, BackfillEstimate, BackfillProgress, EstimateOptions, TransactionRunner } from './backfill/backfill.js';

/**
 * The keyset-batched backfill (src/runner/backfill/) as the planner and the
 * executor use it. Handed in rather than imported where it is used, so plans
 * can be made and tested without a database, and a caller may go without it
 * (batchable statements are then refused unless marked `-- pgtandem:no-batch`).
 */
export interface BackfillEngine {
  isBackfillStatement(statement: Statement): boolean;
  hasNoBatchDirective(file: MigrationFile, statement: Statement): boolean;
  planBackfill(client: pg.ClientBase, statement: Statement): Promise<unknown>;
  runBackfill(plan: never, options: BackfillOptions): Promise<BackfillCursor>;
  describeBackfill(plan: never): string;
  /** Samples one batch (rolled back) and extrapolates to the table's catalog row count. */
  estimateBackfill(client: pg.ClientBase, plan: never, options: EstimateOptions): Promise<BackfillEstimate>;
  describeEstimate(estimate: BackfillEstimate): string;
}

/** The engine this build ships. */
export const backfillEngine: BackfillEngine = backfill;
