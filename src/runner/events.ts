import type { Phase } from '../migrations/phase.js';
import type { BackfillProgress } from './backfill-engine.js';
import type { BlockingSession } from './blocking-sessions.js';
import type { LockRetryNotice } from './lock-retry.js';
import type { Action } from './plan.js';

/** A migration as events name it. */
export interface MigrationRef {
  version: string;
  name: string;
  path: string;
}

/** What the runner tells its caller while it works; the CLI turns these into lines or a progress bar. */
export type RunnerEvent =
  | { type: 'phase-start'; migration: MigrationRef; phase: Phase; actions: number; resumeAt: number }
  | { type: 'action-done'; migration: MigrationRef; action: Action; skipped?: string }
  | { type: 'phase-done'; migration: MigrationRef; phase: Phase; actions: number }
  | { type: 'lock-retry'; label: string; notice: LockRetryNotice }
  | { type: 'backfill-progress'; label: string; progress: BackfillProgress }
  | { type: 'guard-skipped'; reason: string }
  | { type: 'guard-waiting'; sessions: BlockingSession[] }
  /** The usage gate watches pg_stat_statements for `remainingMs` more (of a `windowMs` window, begun at migrate's snapshot with `sinceMigrate`). */
  | { type: 'usage-watching'; objects: number; windowMs: number; remainingMs: number; sinceMigrate: boolean }
  /** No statement used what contract removes during the window. */
  | { type: 'usage-clear'; objects: string[]; windowMs: number };
