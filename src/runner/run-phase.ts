import type pg from 'pg';
import { redact } from '../db/redact.js';
import { describePhasedFile, PHASED_FILE_FIX, phasedSections } from '../migrations/foreign-tool.js';
import type { MigrationFile } from '../migrations/migration.js';
import { InterruptedError, RunnerError } from '../errors.js';
import type { Phase } from '../migrations/phase.js';
import { loadParser } from '../sql/pg-parser.js';
import type { BackfillEngine } from './backfill-engine.js';
import { checkContractGuards, type ContractGuard } from './contract-guard.js';
import { checkChecksums, eligibleMigrations, STATE_AFTER } from './eligibility.js';
import type { RunnerEvent } from './events.js';
import { checkBackfills, executePlan } from './executor.js';
import { planPhase, planScriptPhase, type PhasePlan } from './plan.js';
import { loadScriptMigration } from '../migrations/load-script.js';
import { acquireRunnerLock, releaseRunnerLock } from './runner-lock.js';
import type { RunnerSettings } from './settings.js';
import { keepUsageSnapshot } from './usage-gate.js';
import { MigrationState, type MigrationRecord, type TenantScope } from './state.js';

export interface PhaseRunOptions {
  phase: Phase;
  /** Every migration found, in version order. */
  migrations: readonly MigrationFile[];
  /** A connected client the runner pins for the whole run. */
  client: pg.ClientBase;
  settings: RunnerSettings;
  /** Stop at this version (down to it for abort). */
  to?: string;
  /** Plan only: read the state if it exists, change nothing. */
  dryRun?: boolean;
  /** How long to wait for another runner's lock, in milliseconds. */
  lockWaitMs: number;
  backfill?: BackfillEngine;
  /** Contract only. */
  guard?: ContractGuard;
  /** Migrate only: keep a pg_stat_statements snapshot before it runs (when the extension can be read). */
  keepUsageSnapshot?: boolean;
  onEvent?(event: RunnerEvent): void;
  secrets?: readonly string[];
  /** A tenant schema of a fleet: its own state and lock (the connection's search_path is the caller's). */
  tenant?: TenantScope;
  /** Stops between actions (and between backfill batches); the run then fails resumably. */
  signal?: AbortSignal;
}

export interface PhaseRunResult {
  phase: Phase;
  /** The plans run (or, with dryRun, that would run), in order. */
  plans: PhasePlan[];
  /** Per migration version, how many actions an interrupted run had finished (they are not run again). */
  resumeAt: Record<string, number>;
}

/**
 * Runs one phase on every eligible migration: the one path all four phase
 * commands take. Under the runner lock it reads the state once, refuses
 * changed checksums, plans every migration before running any (a refused
 * plan changes nothing), checks the contract guard, then executes plan after
 * plan, resuming an interrupted one at its checkpoint. Each phase run is
 * logged as an event, failed ones with their error.
 */
export async function runPhase(options: PhaseRunOptions): Promise<PhaseRunResult> {
  const { client, phase } = options;
  await loadParser();
  const state = new MigrationState(client, options.tenant);
  if (options.dryRun) {
    const records = await state.list();
    checkChecksums(options.migrations, records);
    const plans = await planMigrations(eligibleMigrations(phase, options.migrations, records, options.to), options);
    return { phase, plans, resumeAt: resumePoints(phase, records) };
  }

  await acquireRunnerLock(client, options.lockWaitMs, options.tenant);
  try {
    await state.ensureSchema();
    await state.closeInterruptedEvents();
    const records = await state.list();
    checkChecksums(options.migrations, records);
    const files = eligibleMigrations(phase, options.migrations, records, options.to);
    const plans = await planMigrations(files, options);
    if (phase === 'migrate') await checkBackfills(plans, client, options.backfill);
    if (phase === 'contract' && plans.length > 0 && options.guard) await checkContractGuards(client, options.guard, plans, options.migrations, options.onEvent, options.signal);
    // Where a later contract's usage gate may start its window (contract --usage-since migrate): before the
    // backfills, which the gate knows as pgtandem's own, so that a use while they run counts too.
    if (phase === 'migrate' && plans.length > 0 && options.keepUsageSnapshot) {
      // A snapshot that cannot be kept costs contract --usage-since migrate, not the backfill: say so and go on.
      await keepUsageSnapshot(client).catch((error: unknown) =>
        options.onEvent?.({ type: 'guard-skipped', reason: `usage gate: could not keep a pg_stat_statements snapshot for contract --usage-since migrate: ${error instanceof Error ? error.message : String(error)}` }),
      );
    }
    for (const [index, plan] of plans.entries()) {
      if (options.signal?.aborted) {
        throw new InterruptedError(`${phase} stopped on request before ${plan.migration.path}; ${index} of ${plans.length} migrations done — rerun pgtandem ${phase} to go on`);
      }
      await runPlan(plan, state, options);
    }
    return { phase, plans, resumeAt: resumePoints(phase, records) };
  } finally {
    await releaseRunnerLock(client, options.tenant).catch(() => {});
  }
}

async function runPlan(plan: PhasePlan, state: MigrationState, options: PhaseRunOptions): Promise<void> {
  const { migration, phase } = plan;
  await state.register(migration.version, migration.name, migration.path);
  const record = await state.beginPhase(migration.version, phase, plan.checksum);
  const resumeAt = record.checkpoint?.phase === phase ? record.checkpoint.actionsDone : 0;
  options.onEvent?.({ type: 'phase-start', migration, phase, actions: plan.actions.length, resumeAt });
  const event = await state.startEvent(migration.version, phase);
  try {
    await executePlan(plan, resumeAt, record.backfill, {
      client: options.client,
      state,
      settings: options.settings,
      ...(options.backfill ? { backfill: options.backfill } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      secrets: options.secrets ?? [],
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), options.secrets ?? []);
    await state.finishEvent(event, error instanceof InterruptedError ? 'interrupted' : 'failed', message).catch(() => {});
    throw error;
  }
  await state.finishPhase(migration.version, phase, STATE_AFTER[phase]);
  await state.finishEvent(event, 'succeeded');
  options.onEvent?.({ type: 'phase-done', migration, phase, actions: plan.actions.length });
}

/**
 * Plans every migration before any runs: SQL sections are split into
 * actions; TypeScript/JavaScript migrations are loaded (their top level runs,
 * not their phase functions), so one that cannot load stops the run before
 * anything changed.
 */
async function planMigrations(files: readonly MigrationFile[], options: PhaseRunOptions): Promise<PhasePlan[]> {
  const plans: PhasePlan[] = [];
  for (const file of files) {
    // Lint reports the same file as phased-file-in-foreign-folder: its own tool would run it whole.
    const phased = phasedSections(file);
    if (phased.length > 0) throw new RunnerError('PLAN_REFUSED', `${file.path}: refusing to run it: ${describePhasedFile(file, phased)}. ${PHASED_FILE_FIX}`);
    plans.push(file.script ? planScriptPhase(file, options.phase, (await loadScriptMigration(file)).phases) : planPhase(file, options.phase, planOptions(options)));
  }
  return plans;
}

function resumePoints(phase: Phase, records: readonly MigrationRecord[]): Record<string, number> {
  return Object.fromEntries(records.filter((r) => r.checkpoint?.phase === phase).map((r) => [r.version, r.checkpoint!.actionsDone]));
}

function planOptions(options: PhaseRunOptions): Parameters<typeof planPhase>[2] {
  return { pgVersion: options.settings.pgVersion, ...(options.backfill ? { backfill: options.backfill } : {}) };
}
