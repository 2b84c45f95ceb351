import type pg from 'pg';
import { InterruptedError, PgtandemError, RunnerError } from '../errors.js';
import { redact } from '../db/redact.js';
import type { BackfillCursor, BackfillEngine } from './backfill-engine.js';
import type { RunnerEvent } from './events.js';
import { displayName } from '../sql/names.js';
import { HealthThrottle } from './health-throttle.js';
import { timeoutSettings, transactionRunner, withLockRetry, type LockRetryContext } from './lock-retry.js';
import { scriptKysely } from './pinned-kysely.js';
import type { Action, PhasePlan } from './plan.js';
import { prepareRerun } from './rerun-guard.js';
import type { RunnerSettings } from './settings.js';
import type { MigrationState } from './state.js';

export interface ExecutorContext {
  /** The runner's pinned connection (it holds the runner lock). */
  client: pg.ClientBase;
  state: MigrationState;
  settings: RunnerSettings;
  backfill?: BackfillEngine;
  onEvent?(event: RunnerEvent): void;
  /** Secrets to keep out of error messages (the connection password). */
  secrets?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Runs a phase plan's actions from `startAt` (the checkpoint), recording a
 * checkpoint after each: inside the action's own transaction when it has
 * one, right after it otherwise (those actions are made safe to rerun by
 * {@link prepareRerun}). A backfill resumes from `cursor`. Errors become a
 * RunnerError naming the file, the action and its line.
 */
export async function executePlan(plan: PhasePlan, startAt: number, cursor: { action: string; cursor: unknown } | null, context: ExecutorContext): Promise<void> {
  const { migration, phase } = plan;
  let lastRowsDone: number | undefined;
  const onEvent = context.onEvent;
  context = {
    ...context,
    onEvent: (event) => {
      if (event.type === 'backfill-progress') lastRowsDone = event.progress.rowsDone;
      onEvent?.(event);
    },
  };
  for (let index = startAt; index < plan.actions.length; index++) {
    const action = plan.actions[index]!;
    const label = action.script ? `${migration.path} export ${action.script.exportName}` : `${migration.path}:${action.line} ${action.id}`;
    const done = `${index} of ${plan.actions.length} action${plan.actions.length === 1 ? '' : 's'} done`;
    if (context.signal?.aborted) {
      throw new InterruptedError(`${migration.path}:${action.line} ${action.id}: ${phase} stopped on request before this action; ${done} — rerun pgtandem ${phase} to resume`);
    }
    const retry: LockRetryContext = {
      client: context.client,
      settings: context.settings,
      tables: action.expectedLocks.map((l) => l.table),
      label,
      onRetry: (notice) => context.onEvent?.({ type: 'lock-retry', label, notice }),
      ...(context.signal ? { signal: context.signal } : {}),
    };
    let skipped: string | undefined;
    try {
      if (action.kind === 'backfill') {
        const result = await runBackfillAction(plan, action, label, retry, cursor?.action === action.id ? (cursor.cursor as BackfillCursor) : undefined, context);
        // A backfill stopped by the signal returns unfinished: its cursor is saved, the action is not done.
        if (!result.done) throw interrupted(label, phase, result.rowsDone);
        await context.state.checkpoint(migration.version, phase, index + 1);
      } else if (action.script) {
        // A lock_not_available anywhere in the function rolls it all back and calls it again.
        const { run } = action.script;
        await transactionRunner(retry)(async (client) => {
          await run(scriptKysely(client));
          await context.state.checkpoint(migration.version, phase, index + 1);
        });
      } else if (action.transactional) {
        await transactionRunner(retry)(async (client) => {
          // One statement at a time inside the transaction, so a failure names its own line.
          for (const [i, statement] of action.statements.entries()) {
            await client.query(statement.text).catch((error: unknown) => {
              throw Object.assign(error as object, { statementLine: action.statementLines[i] });
            });
          }
          await context.state.checkpoint(migration.version, phase, index + 1);
        });
      } else {
        skipped = await runAlone(action, retry, context);
        await context.state.checkpoint(migration.version, phase, index + 1);
      }
    } catch (error) {
      // A cancelled deploy stops the batch loop or the lock retries by aborting them: that is an interruption, not a failure.
      if (context.signal?.aborted && (isAbortError(error) || error instanceof InterruptedError)) {
        throw error instanceof InterruptedError ? error : interrupted(label, phase, action.kind === 'backfill' ? (lastRowsDone ?? 'before-first-batch') : undefined);
      }
      throw asRunnerError(error, action.script ? label : `${migration.path}:${(error as { statementLine?: number }).statementLine ?? action.line} ${action.id}`, context.secrets ?? []);
    }
    context.onEvent?.({ type: 'action-done', migration, action, ...(skipped ? { skipped } : {}) });
  }
}

/** A statement that cannot run in a transaction: session-level timeouts, the same lock retries, rerun-safe. */
async function runAlone(action: Action, retry: LockRetryContext, context: ExecutorContext): Promise<string | undefined> {
  const { client } = context;
  const statement = action.statements[0]!;
  try {
    return await withLockRetry(retry, async () => {
      await client.query(timeoutSettings(context.settings, 'SESSION'));
      const rerun = await prepareRerun(client, statement);
      if (rerun.skip) return 'already applied';
      if (rerun.before) await client.query(rerun.before);
      await client.query(action.sql);
      return undefined;
    });
  } finally {
    await client.query('RESET lock_timeout; RESET statement_timeout').catch(() => {});
  }
}

async function runBackfillAction(
  plan: PhasePlan,
  action: Action,
  label: string,
  retry: LockRetryContext,
  cursor: BackfillCursor | undefined,
  context: ExecutorContext,
): Promise<BackfillCursor> {
  const engine = context.backfill;
  const backfillPlan = await planOneBackfill(engine, context.client, action, label);
  const { settings, state } = context;
  const version = plan.migration.version;
  const table = action.expectedLocks[0]?.table;
  let current: BackfillCursor | undefined = cursor;
  let savedReasons = '';
  const throttle = new HealthThrottle(context.client, table ? displayName(table) : '', label, table ? settings.throttle : { ...settings.throttle, autovacuum: 'ignore' }, {
    onPause: async (pause) => {
      context.onEvent?.({ type: 'backfill-paused', label, pause });
      // `status` shows why a running backfill waits; the next batch's cursor clears it.
      const reasons = pause.reasons.join('; ');
      if (current && reasons !== savedReasons) {
        savedReasons = reasons;
        await state.saveBackfill(version, action.id, { ...current, paused: { reasons: pause.reasons, since: new Date(Date.now() - pause.pausedMs).toISOString() } });
      }
    },
    onResume: (pause) => {
      savedReasons = '';
      context.onEvent?.({ type: 'backfill-resumed', label, pause });
    },
    onWarning: (message) => context.onEvent?.({ type: 'throttle-warning', label, message }),
    ...(context.signal ? { signal: context.signal } : {}),
  });
  return engine!.runBackfill(backfillPlan as never, {
    transaction: transactionRunner(retry),
    ...(cursor ? { cursor } : {}),
    saveCursor: (_client, next) => state.saveBackfill(version, action.id, next),
    batchSize: settings.batchSize,
    batchDelayMs: settings.batchDelayMs,
    batchTargetMs: settings.batchTargetMs,
    onProgress: (progress) => context.onEvent?.({ type: 'backfill-progress', label, progress }),
    beforeBatch: async (at) => {
      current = at;
      await throttle.beforeBatch();
    },
    inBatch: (client) => throttle.observeBatch(client),
    ...(context.signal ? { signal: context.signal } : {}),
  });
}

/**
 * Asks the engine to plan every backfill of the plans before anything runs,
 * so a statement it cannot batch is refused while nothing has changed yet.
 */
export async function checkBackfills(plans: readonly PhasePlan[], client: pg.ClientBase, engine: BackfillEngine | undefined): Promise<void> {
  for (const plan of plans) {
    for (const action of plan.actions) {
      if (action.kind === 'backfill') await planOneBackfill(engine, client, action, `${plan.migration.path}:${action.line} ${action.id}`);
    }
  }
}

async function planOneBackfill(engine: BackfillEngine | undefined, client: pg.ClientBase, action: Action, label: string): Promise<unknown> {
  if (!engine) {
    throw new RunnerError(
      'PLAN_REFUSED',
      `${label}: this statement would run as a batched backfill, but this build of pgtandem has no backfill engine; put -- pgtandem:no-batch before it to run it as written in one transaction`,
    );
  }
  try {
    return await engine.planBackfill(client, action.statements[0]!);
  } catch (error) {
    // The engine's refusal (no usable key, a join it cannot rewrite) is a refused plan: exit 1, not a usage error.
    if (error instanceof PgtandemError && !(error instanceof RunnerError)) throw new RunnerError('PLAN_REFUSED', `${label}: ${error.message}`, { cause: error });
    throw error;
  }
}

function asRunnerError(error: unknown, label: string, secrets: readonly string[]): Error {
  if (error instanceof RunnerError) return error;
  if (error instanceof PgtandemError) return error;
  const pgError = error as { message?: string; code?: string; detail?: string };
  const sqlstate = pgError.code && /^[0-9A-Z]{5}$/.test(pgError.code) ? ` (SQLSTATE ${pgError.code})` : '';
  const detail = pgError.detail ? ` — ${pgError.detail}` : '';
  const message = redact(`${label} failed: ${pgError.message ?? String(error)}${sqlstate}${detail}`, secrets);
  return new RunnerError('PHASE_FAILED', message, { cause: error });
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function interrupted(label: string, phase: string, rowsDone: number | 'before-first-batch' | undefined): InterruptedError {
  const progress =
    rowsDone === undefined
      ? 'what finished is checkpointed'
      : rowsDone === 'before-first-batch'
        ? "the backfill's cursor is saved"
        : `the backfill's cursor is saved after ${rowsDone.toLocaleString('en-US')} rows`;
  return new InterruptedError(`${label}: ${phase} stopped on request; ${progress} — rerun pgtandem ${phase} to resume`);
}
