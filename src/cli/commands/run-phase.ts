import { foreignHistoryNotes } from '../../adopt/foreign-status.js';
import { TOOLS_OF_LAYOUT } from '../../adopt/tool-history.js';
import { RunnerError } from '../../errors.js';
import type { MigrationFile } from '../../migrations/migration.js';
import type { Phase } from '../../migrations/phase.js';
import { MigrationState } from '../../runner/state.js';
import { backfillEngine, type BackfillEngine } from '../../runner/backfill-engine.js';
import { describePlans } from '../../runner/describe-plan.js';
import type { PhasePlan } from '../../runner/plan.js';
import { runPhase } from '../../runner/run-phase.js';
import { forecastBackfill } from '../../runner/forecast-backfill.js';
import type pg from 'pg';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { printRunnerEvents } from '../runner-events.js';
import { durationFlag, withRunnerSession, type RunnerCommandOptions } from '../runner-setup.js';
import { UsageError } from '../../errors.js';
import { usageGateSettings, type RunnerSettings } from '../../runner/settings.js';

/** Flags of expand, migrate, contract and abort. */
export interface PhaseCommandOptions extends RunnerCommandOptions {
  dryRun?: boolean;
  to?: string;
  lockWait?: string;
  /** contract only */
  oldRelease?: string;
  wait?: string;
  force?: boolean;
  usageWindow?: string;
  usageSince?: string;
  /** migrate only: the longest the backfills may pause for the database's health, in all */
  maxPause?: string;
}

const DEFAULT_LOCK_WAIT_MS = 5_000;

/** The body of the four phase commands: connect, run (or plan) the phase, print what happened. */
export async function phaseCommand(phase: Phase, options: PhaseCommandOptions, io: CliIO): Promise<number> {
  const lockWaitMs = durationFlag('--lock-wait', options.lockWait, DEFAULT_LOCK_WAIT_MS);
  const waitMs = durationFlag('--wait', options.wait, 0);
  const usage = usageFlags(options);
  // Checked before connecting: a bad value is a usage error whatever the database says.
  if (options.maxPause !== undefined) durationFlag('--max-pause', options.maxPause, 0);
  const backfill = backfillEngine;
  // A deploy pipeline cancelled (Ctrl-C, SIGTERM): stop after the current action or batch, leaving a
  // clean checkpoint; a second signal ends the process at once (the database rolls back the open work).
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(`pgtandem: ${signal}: stopping after the current step (again to stop now); rerun ${phase} to resume\n`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await runWithSignal(phase, options, io, backfill, lockWaitMs, waitMs, usage, stop.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function runWithSignal(
  phase: Phase,
  options: PhaseCommandOptions,
  io: CliIO,
  backfill: BackfillEngine | undefined,
  lockWaitMs: number,
  waitMs: number,
  usage: UsageFlags,
  signal: AbortSignal,
): Promise<number> {
  return withRunnerSession(phase, options, io, async ({ connection, migrations, config, settings: configured }) => {
    const settings = options.maxPause === undefined ? configured : { ...configured, throttle: { ...configured.throttle, maxPause: durationFlag('--max-pause', options.maxPause, 0) } };
    if (phase === 'expand') await refuseUnadoptedHistory(connection.client, migrations, io.cwd);
    const pattern = options.oldRelease ?? config.oldReleaseApplicationName;
    const result = await runPhase({
      phase,
      migrations,
      client: connection.client,
      settings,
      lockWaitMs,
      secrets: connection.secrets,
      onEvent: printRunnerEvents(io),
      signal,
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(backfill ? { backfill } : {}),
      ...(phase === 'contract' ? { guard: { ...(pattern ? { pattern } : {}), waitMs, force: options.force === true, usage: usageGateSettings(config, usage) } } : {}),
      ...(phase === 'migrate' && (config.usageGate ?? 'auto') !== 'off' ? { keepUsageSnapshot: true } : {}),
    });
    if (options.dryRun) {
      io.stdout(`Dry run of ${phase}: nothing was changed.\n`);
      io.stdout(describePlans(result.plans, await describeBackfills(result.plans, connection.client, backfill, phase === 'migrate' ? settings : undefined), result.resumeAt));
    } else if (result.plans.length === 0) {
      io.stdout(`${phase}: nothing to do\n`);
    }
    return EXIT.ok;
  });
}

/**
 * Expand would run again what another tool already applied (the tables are
 * there: the first statement fails, or an idempotent file applies twice):
 * refused while a tool's history table lists migrations pgtandem's state does
 * not know, until `pgtandem baseline` adopts them.
 */
async function refuseUnadoptedHistory(client: pg.ClientBase, migrations: readonly MigrationFile[], cwd: string): Promise<void> {
  if (!migrations.some((m) => !m.script && TOOLS_OF_LAYOUT[m.layout].length > 0)) return;
  const records = await new MigrationState(client).list();
  const notes = (await foreignHistoryNotes(client, migrations, [], records, cwd)).filter((n) => n.unadopted > 0);
  if (notes.length > 0) throw new RunnerError('PLAN_REFUSED', `refusing to expand: ${notes.map((n) => n.message).join('; ')} (expand would run them again; nothing was changed)`);
}

type UsageFlags = { windowMs?: number; since?: 'migrate' };

/** --usage-window (a duration longer than 0) and --usage-since (migrate), or a UsageError naming the flag. */
function usageFlags(options: PhaseCommandOptions): UsageFlags {
  const flags: UsageFlags = {};
  if (options.usageWindow !== undefined) {
    const ms = durationFlag('--usage-window', options.usageWindow, 0);
    if (ms === 0) throw new UsageError(`--usage-window: expected a duration longer than 0 such as 10min or 30s, got "${options.usageWindow}"`);
    flags.windowMs = ms;
  }
  if (options.usageSince !== undefined) {
    if (options.usageSince !== 'migrate') throw new UsageError(`--usage-since: expected "migrate" (the snapshot the last migrate kept), got "${options.usageSince}"`);
    flags.since = 'migrate';
  }
  return flags;
}

/** The engine's account of each backfill (key, batches), or why it would refuse — read-only. */
async function describeBackfills(
  plans: readonly PhasePlan[],
  client: pg.ClientBase,
  engine: BackfillEngine | undefined,
  settings: RunnerSettings | undefined,
): Promise<Map<string, string>> {
  const descriptions = new Map<string, string>();
  for (const plan of plans) {
    for (const action of plan.actions) {
      if (action.kind !== 'backfill') continue;
      const key = `${plan.migration.version} ${action.id}`;
      if (!engine) {
        descriptions.set(key, 'refused: this build has no backfill engine (add -- pgtandem:no-batch to run it as written)');
        continue;
      }
      try {
        const plan = await engine.planBackfill(client, action.statements[0]!);
        descriptions.set(key, `${engine.describeBackfill(plan as never)}${settings ? `\n  ${await forecastBackfill(engine, client, plan, settings)}` : ''}`);
      } catch (error) {
        descriptions.set(key, `refused: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return descriptions;
}
