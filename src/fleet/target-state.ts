import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { compareKeys, eligibleMigrations } from '../runner/eligibility.js';
import { migrationKey } from '../runner/plan.js';
import { runnerActive } from '../runner/runner-lock.js';
import { MigrationState, type MigrationRecord, type MigrationStateName, type PhaseRun } from '../runner/state.js';
import { statusReport, type StatusReport } from '../runner/status.js';
import { openTarget } from './open-target.js';
import type { FleetTarget } from './resolve-targets.js';

/** What a target's own state tables say, or why they could not be read. */
export interface TargetState {
  target: FleetTarget;
  records: MigrationRecord[];
  lastRuns: PhaseRun[];
  /** A runner holds the target's lock now. */
  active: boolean;
  /** Unreachable, or its schema is missing: one line, no credentials. */
  error?: string;
}

/** Reads one target's state (read-only: creates nothing). */
export async function readTargetState(target: FleetTarget, searchPath: readonly string[]): Promise<TargetState> {
  try {
    const connection = await openTarget(target, 'pgtandem status', searchPath);
    try {
      const tenant = target.schema !== undefined ? { schema: target.schema } : undefined;
      const state = new MigrationState(connection.client, tenant);
      return { target, records: await state.list(), lastRuns: await state.lastRuns(), active: await runnerActive(connection.client, tenant) };
    } finally {
      await connection.close();
    }
  } catch (error) {
    return { target, records: [], lastRuns: [], active: false, error: (error as Error).message.split('\n')[0]! };
  }
}

const ORDER: Record<MigrationStateName, number> = { pending: 0, aborted: 0, expanded: 1, migrated: 2, contracted: 3 };
const REACHED: Record<Exclude<Phase, 'abort'>, number> = { expand: 1, migrate: 2, contract: 3 };

/**
 * Whether the phase still has work on the target: a migration (up to `to`)
 * that has not reached the phase's state, or one it could run now (an
 * interrupted run); for abort, one that is expanded or migrated. A target
 * that could not be read has work, as far as anyone can tell.
 */
export function needsPhase(phase: Phase, state: TargetState, migrations: readonly MigrationFile[], to?: string): boolean {
  if (state.error !== undefined) return true;
  if (phase === 'abort') {
    try {
      return eligibleMigrations('abort', migrations, state.records, to).length > 0;
    } catch {
      return true;
    }
  }
  const byKey = new Map(state.records.map((r) => [r.version, r]));
  return migrations
    .filter((m) => to === undefined || compareKeys(migrationKey(m), to) <= 0)
    .some((m) => {
      const record = byKey.get(migrationKey(m));
      return !record || ORDER[record.state] < REACHED[phase] || record.checkpoint?.phase === phase;
    });
}

/** Whether the phase was started on the target: a migration it finished, a checkpoint of it, or a run of it that failed. */
export function startedPhase(phase: Phase, state: TargetState): boolean {
  return (
    state.records.some((r) => r.phases[phase] !== undefined || r.checkpoint?.phase === phase) ||
    state.lastRuns.some((run) => run.phase === phase)
  );
}

/** The status of one target, as `pgtandem status` reports a database. */
export function targetReport(state: TargetState, migrations: readonly MigrationFile[]): StatusReport {
  return statusReport(migrations, state.records, state.lastRuns, state.active);
}
