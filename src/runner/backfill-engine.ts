import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import type { Statement } from '../sql/statement.js';

/** Runs `work` in one transaction with the runner's timeouts and lock retries. */
export type TransactionRunner = <T>(work: (client: pg.ClientBase) => Promise<T>) => Promise<T>;

/** Where a batched backfill stands; the runner stores it as JSON. */
export interface BackfillCursor {
  key: unknown[] | null;
  rowsDone: number;
  batches: number;
  done: boolean;
}

export interface BackfillProgress {
  table: string;
  rowsDone: number;
  estimatedTotal?: number;
  rowsPerSecond: number;
  batchSize: number;
  batches: number;
}

export interface BackfillRunOptions {
  transaction: TransactionRunner;
  cursor?: BackfillCursor;
  /** Called inside each batch's transaction, so the cursor and the batch commit together. */
  saveCursor(client: pg.ClientBase, cursor: BackfillCursor): Promise<void>;
  batchSize: number;
  batchDelayMs: number;
  batchTargetMs: number;
  onProgress?(progress: BackfillProgress): void;
  signal?: AbortSignal;
}

/**
 * The keyset-batched backfill (src/runner/backfill/backfill.ts) as the
 * planner and executor use it. It is handed in rather than imported so plans
 * and the executor can be exercised with or without it.
 */
export interface BackfillEngine {
  isBackfillStatement(statement: Statement): boolean;
  hasNoBatchDirective(file: MigrationFile, statement: Statement): boolean;
  planBackfill(client: pg.ClientBase, statement: Statement): Promise<unknown>;
  runBackfill(plan: never, options: BackfillRunOptions): Promise<BackfillCursor>;
  describeBackfill(plan: never): string;
}

/**
 * The engine, when this build has it. The module is found at run time so the
 * runner builds and runs (refusing batchable migrate statements without
 * `-- pgtandem:no-batch`) before the engine's branch is merged. The path is
 * written from `src/<folder>/` so it resolves both from this module
 * (dist/src/runner/) and from the bundled CLI (dist/src/cli/main.bundle.mjs).
 */
export async function loadBackfillEngine(): Promise<BackfillEngine | undefined> {
  const url = new URL('../runner/backfill/backfill.js', import.meta.url);
  try {
    return (await import(url.href)) as BackfillEngine;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('backfill/backfill.js');
    if (missing) return undefined;
    throw error;
  }
}
