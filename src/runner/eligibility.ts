import { RunnerError } from '../errors.js';
import type { MigrationFile } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import { compareVersions } from '../migrations/version.js';
import { migrationKey, sectionChecksum } from './plan.js';
import type { MigrationRecord, MigrationStateName } from './state.js';

/** The state a migration reaches when a phase finishes. */
export const STATE_AFTER: Record<Phase, MigrationStateName> = {
  expand: 'expanded',
  migrate: 'migrated',
  contract: 'contracted',
  abort: 'aborted',
};

/** The state a migration must be in for a phase to run on it (an interrupted run of that phase resumes too). */
function canRun(phase: Phase, record: MigrationRecord | undefined): boolean {
  const state = record?.state ?? 'pending';
  if (record?.checkpoint?.phase === phase) return true;
  switch (phase) {
    case 'expand':
      return state === 'pending' || state === 'aborted';
    case 'migrate':
      return state === 'expanded';
    case 'contract':
      return state === 'migrated';
    case 'abort':
      // A partly applied expand is undone as well.
      return state === 'expanded' || state === 'migrated' || (state === 'pending' && record?.checkpoint?.phase === 'expand');
  }
}

/**
 * The migrations a phase runs on, in run order: version order, reversed for
 * abort. `to` stops at a version: up to it for expand/migrate/contract, down
 * to it for abort. Contract refuses (RunnerError) while a migration in range
 * has not finished its migrate phase; abort, once a contract has started.
 */
export function eligibleMigrations(phase: Phase, files: readonly MigrationFile[], records: readonly MigrationRecord[], to?: string): MigrationFile[] {
  const byKey = new Map(records.map((r) => [r.version, r]));
  const inRange = files.filter((f) => to === undefined || (phase === 'abort' ? compareKeys(migrationKey(f), to) >= 0 : compareKeys(migrationKey(f), to) <= 0));
  if (phase === 'contract') {
    const unfinished = inRange.filter((f) => {
      const record = byKey.get(migrationKey(f));
      return record?.state === 'expanded' && record.checkpoint?.phase !== 'abort';
    });
    if (unfinished.length > 0) {
      throw new RunnerError(
        'PHASE_FAILED',
        `cannot contract: the migrate phase of ${unfinished.map((f) => f.path).join(', ')} has not finished; run pgtandem migrate first`,
      );
    }
  }
  if (phase === 'abort') {
    const contracting = inRange.filter((f) => byKey.get(migrationKey(f))?.checkpoint?.phase === 'contract');
    if (contracting.length > 0) {
      throw new RunnerError(
        'PHASE_FAILED',
        `cannot abort: the contract phase of ${contracting.map((f) => f.path).join(', ')} has started, and contract is the point of no return; finish it with pgtandem contract`,
      );
    }
  }
  const eligible = inRange.filter((f) => canRun(phase, byKey.get(migrationKey(f))));
  return phase === 'abort' ? eligible.reverse() : eligible;
}

/**
 * Refuses when a section that already ran (or started) differs from what ran:
 * the database no longer matches the file. Aborted migrations are exempt —
 * fixing a migration after an abort is the point of aborting.
 */
export function checkChecksums(files: readonly MigrationFile[], records: readonly MigrationRecord[]): void {
  const byKey = new Map(files.map((f) => [migrationKey(f), f]));
  const changed: string[] = [];
  for (const record of records) {
    const file = byKey.get(record.version);
    if (!file || record.state === 'aborted') continue;
    const phases = PHASES.filter((phase) => {
      const ran = record.phases[phase];
      return ran !== undefined && !nothingCommitted(record, phase) && ran.checksum !== sectionChecksum(file, phase);
    });
    if (phases.length === 0) continue;
    // A script migration's checksum covers the whole file: no edit is confined to a phase that has not run.
    if (file.script) changed.push(`${file.path} (the whole file is checksummed; its ${phases.join(', ')} ran)`);
    else changed.push(...phases.map((phase) => `${file.path} (${phase} section)`));
  }
  if (changed.length > 0) {
    throw new RunnerError(
      'CHECKSUM_CHANGED',
      `refusing to run: ${changed.join(', ')} changed after it ran; restore the text that ran and put the change in a new migration`,
    );
  }
}

/**
 * A phase that started and failed before its first action committed left
 * nothing behind (each action's transaction rolled back; a failed
 * non-transactional one is made rerun-safe), so its section may still be
 * fixed: the usual way out of a statement that fails.
 */
export function nothingCommitted(record: MigrationRecord, phase: Phase): boolean {
  return record.checkpoint?.phase === phase && record.checkpoint.actionsDone === 0 && record.backfill === null;
}

/** Orders version keys (`0003`, `2.1`) numerically; a key without digits compares as text. */
export function compareKeys(a: string, b: string): number {
  const da = a.match(/\d+/g);
  const db = b.match(/\d+/g);
  if (da && db) return compareVersions(da, db);
  return a < b ? -1 : a > b ? 1 : 0;
}
