import type { MigrationFile } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import { migrationKey } from './plan.js';
import { rerunAdvice } from './rerun-advice.js';
import type { EventResult, MigrationRecord, MigrationStateName, PhaseRun } from './state.js';

/** One migration in `pgtandem status`. */
export interface MigrationStatus {
  version: string;
  name: string;
  path: string;
  state: MigrationStateName;
  /** When each phase that ran started and finished (ISO 8601). */
  phases: Partial<Record<Phase, { startedAt: string; finishedAt?: string }>>;
  /** A phase started and not finished: it resumes at the next action on rerun. */
  inProgress?: { phase: Phase; actionsDone: number };
  backfill?: { action: string; cursor: unknown };
  /** Recorded in the database, but no file for it was found. */
  missingFile?: true;
  /** The latest phase run, when it did not succeed: how it ended, its error, and whether a rerun can help. */
  lastRun?: {
    phase: Phase;
    result: Exclude<EventResult, 'succeeded'>;
    startedAt: string;
    finishedAt?: string;
    by: string;
    /** The first line of the error: the failing statement's file:line and the server's message. */
    error?: string;
    rerunCanHelp: boolean;
    advice: string;
  };
}

export interface StatusReport {
  migrations: MigrationStatus[];
  /** The next safe command, e.g. `pgtandem migrate`. */
  next: string;
}

/** Joins the files found with what the database remembers, and says what is safe to run next. */
export function statusReport(files: readonly MigrationFile[], records: readonly MigrationRecord[], runs: readonly PhaseRun[] = [], runnerActive = false): StatusReport {
  const byKey = new Map(records.map((r) => [r.version, r]));
  const lastRuns = new Map(runs.map((run) => [run.version, run]));
  const seen = new Set<string>();
  const migrations: MigrationStatus[] = files.map((file) => {
    const key = migrationKey(file);
    seen.add(key);
    const record = byKey.get(key);
    return record ? fromRecord(record, file.path, lastRuns.get(key), runnerActive) : { version: key, name: file.name, path: file.path, state: 'pending', phases: {} };
  });
  for (const record of records) {
    if (!seen.has(record.version)) migrations.push({ ...fromRecord(record, record.path, lastRuns.get(record.version), runnerActive), missingFile: true });
  }
  return { migrations, next: nextCommand(migrations) };
}

function fromRecord(record: MigrationRecord, path: string, run: PhaseRun | undefined, runnerActive: boolean): MigrationStatus {
  const phases: MigrationStatus['phases'] = {};
  for (const phase of PHASES) {
    const ran = record.phases[phase];
    if (ran) phases[phase] = { startedAt: ran.startedAt, ...(ran.finishedAt ? { finishedAt: ran.finishedAt } : {}) };
  }
  return {
    version: record.version,
    name: record.name,
    path,
    state: record.state,
    phases,
    ...(record.checkpoint ? { inProgress: record.checkpoint } : {}),
    ...(record.backfill ? { backfill: record.backfill } : {}),
    ...(run && run.result !== 'succeeded' ? { lastRun: describeRun(run, runnerActive) } : {}),
  };
}

/** A run still marked `running` while no runner holds the lock died (killed, or its connection was lost). */
function describeRun(run: PhaseRun, runnerActive: boolean): NonNullable<MigrationStatus['lastRun']> {
  const result = run.result === 'running' && !runnerActive ? 'interrupted' : (run.result as Exclude<EventResult, 'succeeded'>);
  const error = run.result === 'running' && !runnerActive ? 'the runner stopped before the phase finished (killed, or its connection was lost)' : run.error?.split('\n')[0];
  return {
    phase: run.phase,
    result,
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    by: run.by,
    ...(error ? { error } : {}),
    ...rerunAdvice({ phase: run.phase, result, ...(error ? { error } : {}) }),
  };
}

/**
 * An interrupted phase comes first (rerun it: it resumes); then migrate for
 * expanded migrations, contract for migrated ones (once the old release is
 * gone), expand for pending ones.
 */
function nextCommand(migrations: readonly MigrationStatus[]): string {
  const interrupted = migrations.find((m) => m.inProgress);
  if (interrupted?.inProgress) {
    const run = interrupted.lastRun;
    if (run?.result === 'failed' && !run.rerunCanHelp) return `fix ${run.error?.match(/^\S+:\d+/)?.[0] ?? interrupted.path}, then pgtandem ${interrupted.inProgress.phase}`;
    return `pgtandem ${interrupted.inProgress.phase}`;
  }
  if (migrations.some((m) => m.state === 'expanded')) return 'pgtandem migrate';
  if (migrations.some((m) => m.state === 'migrated')) return 'pgtandem contract';
  if (migrations.some((m) => !m.missingFile && (m.state === 'pending' || m.state === 'aborted'))) return 'pgtandem expand';
  return 'nothing to do';
}
