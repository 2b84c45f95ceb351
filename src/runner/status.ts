import type { MigrationFile } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import { migrationKey } from './plan.js';
import type { MigrationRecord, MigrationStateName } from './state.js';

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
}

export interface StatusReport {
  migrations: MigrationStatus[];
  /** The next safe command, e.g. `pgtandem migrate`. */
  next: string;
}

/** Joins the files found with what the database remembers, and says what is safe to run next. */
export function statusReport(files: readonly MigrationFile[], records: readonly MigrationRecord[]): StatusReport {
  const byKey = new Map(records.map((r) => [r.version, r]));
  const seen = new Set<string>();
  const migrations: MigrationStatus[] = files.map((file) => {
    const key = migrationKey(file);
    seen.add(key);
    const record = byKey.get(key);
    return record ? fromRecord(record, file.path) : { version: key, name: file.name, path: file.path, state: 'pending', phases: {} };
  });
  for (const record of records) if (!seen.has(record.version)) migrations.push({ ...fromRecord(record, record.path), missingFile: true });
  return { migrations, next: nextCommand(migrations) };
}

function fromRecord(record: MigrationRecord, path: string): MigrationStatus {
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
  };
}

/**
 * An interrupted phase comes first (rerun it: it resumes); then migrate for
 * expanded migrations, contract for migrated ones (once the old release is
 * gone), expand for pending ones.
 */
function nextCommand(migrations: readonly MigrationStatus[]): string {
  const interrupted = migrations.find((m) => m.inProgress);
  if (interrupted?.inProgress) return `pgtandem ${interrupted.inProgress.phase}`;
  if (migrations.some((m) => m.state === 'expanded')) return 'pgtandem migrate';
  if (migrations.some((m) => m.state === 'migrated')) return 'pgtandem contract';
  if (migrations.some((m) => !m.missingFile && (m.state === 'pending' || m.state === 'aborted'))) return 'pgtandem expand';
  return 'nothing to do';
}
