import { redact } from '../db/redact.js';
import { InterruptedError } from '../errors.js';
import type { PgtandemConfig } from '../lint/config.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import type { BackfillEngine } from '../runner/backfill-engine.js';
import type { ContractGuard } from '../runner/contract-guard.js';
import type { RunnerEvent } from '../runner/events.js';
import { runPhase } from '../runner/run-phase.js';
import { runnerSettings } from '../runner/settings.js';
import { MigrationState } from '../runner/state.js';
import type pg from 'pg';
import { needsPhase } from './target-state.js';
import { openTarget } from './open-target.js';
import type { FleetTarget } from './resolve-targets.js';

/** How one target's phase run ended. `not-reached`: its wave stopped (or was stopped) before it started. */
export type TargetResult = 'ok' | 'skipped' | 'failed' | 'interrupted' | 'not-reached';

export interface TargetOutcome {
  target: FleetTarget;
  /** 1-based wave number. */
  wave: number;
  result: TargetResult;
  ms: number;
  /** Migrations whose phase ran (0 when there was nothing to do). */
  migrations: number;
  /** One line, with the target's credentials removed. */
  error?: string;
  /** Why a skipped target had nothing to do when the phase before has not reached it. */
  note?: string;
}

/** What every target's run shares. */
export interface TargetRunContext {
  phase: Phase;
  migrations: readonly MigrationFile[];
  config: PgtandemConfig;
  lockWaitMs: number;
  searchPath: readonly string[];
  to?: string;
  backfill?: BackfillEngine;
  /** Contract: each target's own old-release check (the usage gate runs once per database before, see checkFleetContract). */
  guard?: ContractGuard;
  /** Migrate: --max-pause. */
  maxPauseMs?: number;
  signal?: AbortSignal;
  onEvent?(target: FleetTarget, event: RunnerEvent): void;
}

/**
 * Runs the phase on one target exactly as `pgtandem <phase>` runs it on one
 * database — same plans, lock, checkpoints and guards — over its own
 * connection, with a tenant schema's search_path and state. Never throws:
 * a failure is the target's outcome.
 */
export async function runTarget(target: FleetTarget, wave: number, context: TargetRunContext): Promise<TargetOutcome> {
  const started = Date.now();
  const outcome = (result: TargetResult, migrations: number, error?: string): TargetOutcome => ({
    target,
    wave,
    result,
    ms: Date.now() - started,
    migrations,
    ...(error !== undefined ? { error } : {}),
  });
  if (context.signal?.aborted) return outcome('not-reached', 0);
  let secrets: string[] = [];
  try {
    const connection = await openTarget(target, `pgtandem ${context.phase} ${target.name}`.slice(0, 63), context.searchPath);
    secrets = connection.secrets;
    try {
      const configured = runnerSettings(context.config, connection.serverVersion);
      const settings = context.maxPauseMs === undefined ? configured : { ...configured, throttle: { ...configured.throttle, maxPause: context.maxPauseMs } };
      const result = await runPhase({
        phase: context.phase,
        migrations: context.migrations,
        client: connection.client,
        settings,
        lockWaitMs: context.lockWaitMs,
        secrets: connection.secrets,
        ...(target.schema !== undefined ? { tenant: { schema: target.schema } } : {}),
        ...(context.to !== undefined ? { to: context.to } : {}),
        ...(context.backfill ? { backfill: context.backfill } : {}),
        ...(context.guard ? { guard: context.guard } : {}),
        ...(context.signal ? { signal: context.signal } : {}),
        ...(context.onEvent ? { onEvent: (event: RunnerEvent) => context.onEvent!(target, event) } : {}),
      });
      if (result.plans.length > 0) return outcome('ok', result.plans.length);
      const note = await behindNote(context, connection.client, target);
      return { ...outcome('skipped', 0), ...(note ? { note } : {}) };
    } finally {
      await connection.close();
    }
  } catch (error) {
    const message = redact((error instanceof Error ? error.message : String(error)).split('\n').filter(Boolean).join(' '), [...secrets, target.url]);
    return outcome(error instanceof InterruptedError ? 'interrupted' : 'failed', 0, message);
  }
}

const BEFORE: Partial<Record<Phase, Phase>> = { migrate: 'expand', contract: 'migrate' };

/** `not expanded yet` when migrate finds nothing because expand has not run here (a wave skipped, a new tenant). */
async function behindNote(context: TargetRunContext, client: pg.ClientBase, target: FleetTarget): Promise<string | undefined> {
  const before = BEFORE[context.phase];
  if (!before) return undefined;
  const tenant = target.schema !== undefined ? { schema: target.schema } : undefined;
  const state = { target, records: await new MigrationState(client, tenant).list(), lastRuns: [], active: false };
  return needsPhase(before, state, context.migrations, context.to) ? `nothing to ${context.phase}: ${before} has not run here yet` : undefined;
}
