import type pg from 'pg';
import { InterruptedError, RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import { literal } from '../sql/inline-parameters.js';
import type { QualifiedName } from '../sql/names.js';
import type { TransactionRunner } from './backfill-engine.js';
import { describeSessions, likelyLockHolders, lockHolders, type BlockingSession } from './blocking-sessions.js';
import type { RunnerSettings } from './settings.js';

/** Told before each wait, so the CLI can say why nothing seems to happen. */
export interface LockRetryNotice {
  attempt: number;
  waitMs: number;
  blockers: BlockingSession[];
}

export interface LockRetryContext {
  client: pg.ClientBase;
  settings: Pick<RunnerSettings, 'lockTimeout' | 'statementTimeout' | 'lockRetryDeadline'>;
  /** The tables the work locks, to name who holds them when it gives up. */
  tables: readonly QualifiedName[];
  /** What is being run, for the final message (`0003_x expand#2`). */
  label: string;
  onRetry?(notice: LockRetryNotice): void;
  signal?: AbortSignal;
}

// lock_not_available (lock_timeout) and deadlock_detected: both mean "another session was in the way; try again".
const RETRYABLE = new Set(['55P03', '40P01']);
const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 15_000;

/**
 * Runs `attempt` until it stops failing with lock_not_available (or a deadlock), waiting a
 * jittered, doubling delay between tries, until the context's deadline; then
 * throws a RunnerError `LOCK_DEADLINE` naming the sessions holding the locks.
 * `attempt` must leave nothing half-done when it throws (roll back).
 */
export async function withLockRetry<T>(context: LockRetryContext, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + context.settings.lockRetryDeadline;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!RETRYABLE.has((error as { code?: string }).code ?? '')) throw error;
      const named = await lockHolders(context.client, context.tables).catch(() => []);
      const blockers = named.length > 0 ? named : await likelyLockHolders(context.client, context.settings.lockTimeout / 1000).catch(() => []);
      const left = deadline - Date.now();
      if (context.signal?.aborted) {
        throw new InterruptedError(`${context.label}: stopped on request while waiting for its locks; nothing of it was applied — rerun to resume`, { cause: error });
      }
      if (left <= 0) {
        const list =
          named.length > 0
            ? `; blocked by:\n${describeSessions(blockers)}`
            : blockers.length > 0
              ? `; sessions with long open transactions holding locks (the likely blockers):\n${describeSessions(blockers)}`
              : '; the blocking sessions had already gone when asked';
        throw new RunnerError(
          'LOCK_DEADLINE',
          `${context.label}: could not get its locks within lockRetryDeadline (${formatDuration(context.settings.lockRetryDeadline)}, ${tries} tries with lockTimeout ${formatDuration(context.settings.lockTimeout)}); nothing of it was applied — rerun to resume${list}`,
          { cause: error },
        );
      }
      const ceiling = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (tries - 1));
      const waitMs = Math.min(left, Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
      context.onRetry?.({ attempt: tries, waitMs, blockers });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** `SET LOCAL` values for the runner's timeouts: Postgres reads a bare number as milliseconds. */
export function timeoutSettings(settings: Pick<RunnerSettings, 'lockTimeout' | 'statementTimeout'>, scope: 'LOCAL' | 'SESSION'): string {
  const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
  return `${set} lock_timeout = ${Math.round(settings.lockTimeout)}; ${set} statement_timeout = ${Math.round(settings.statementTimeout)}`;
}

/**
 * A {@link TransactionRunner}: BEGIN, the timeouts, the work, COMMIT — and on
 * lock_not_available a rollback and a retry as {@link withLockRetry} does.
 */
export function transactionRunner(context: LockRetryContext): TransactionRunner {
  const { client } = context;
  return <T>(work: (client: pg.ClientBase) => Promise<T>, settings: Readonly<Record<string, string>> = {}): Promise<T> =>
    withLockRetry(context, async () => {
      // One round trip: BEGIN, the timeouts and the settings (a backfill's batch runs many such transactions).
      const begin = ['BEGIN', timeoutSettings(context.settings, 'LOCAL'), ...Object.entries(settings).map(([name, value]) => `SELECT set_config(${literal(name)}, ${literal(value)}, true)`)];
      try {
        await client.query(begin.join('; '));
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
}
