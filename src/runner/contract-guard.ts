import type pg from 'pg';
import { RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import { describeSessions, sessionsNamed } from './blocking-sessions.js';
import type { RunnerEvent } from './events.js';
import type { MigrationFile } from '../migrations/migration.js';
import { replayMigrations } from '../schema/replay-catalog.js';
import { fingerprintSql } from '../sql/fingerprint.js';
import { parseSegment } from '../sql/parse-segment.js';
import type { PhasePlan } from './plan.js';
import { removedObjects } from './removed-objects.js';
import { checkUsage, type UsageGateSettings } from './usage-gate.js';

export interface ContractGuard {
  /** LIKE pattern for the old release's application_name (--old-release, else config). */
  pattern?: string;
  /** How long to wait for those sessions to go (--wait); 0 refuses at once. */
  waitMs: number;
  /** --force: contract without checking. */
  force: boolean;
  /** The usage gate (pg_stat_statements); absent: not consulted. */
  usage?: UsageGateSettings;
}

/**
 * Both guards of contract, in order: the old release's sessions are gone
 * (application_name), then no statement used what the plans remove during
 * the usage window (pg_stat_statements). `--force` skips both.
 */
export async function checkContractGuards(
  client: pg.ClientBase,
  guard: ContractGuard,
  plans: readonly PhasePlan[],
  migrations: readonly MigrationFile[],
  onEvent?: (event: RunnerEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  await checkOldReleaseGone(client, guard, onEvent);
  if (guard.force || !guard.usage) return;
  const scripts = plans.filter((p) => p.actions.some((a) => a.kind === 'script'));
  for (const plan of scripts) {
    onEvent?.({ type: 'guard-skipped', reason: `usage gate: ${plan.migration.path} is a script migration; what its contract removes cannot be read before it runs` });
  }
  const catalog = catalogBeforeContract(migrations, plans);
  const removed = removedObjects(
    plans.flatMap((p) => p.actions.flatMap((a) => a.statements)),
    catalog,
  );
  await checkUsage(client, guard.usage, { removed, catalog, ownFingerprints: ownFingerprints(migrations) }, onEvent, signal);
}

/** The schema as the migrations leave it before the contract sections about to run. */
function catalogBeforeContract(migrations: readonly MigrationFile[], plans: readonly PhasePlan[]) {
  const contracting = new Set(plans.map((p) => p.migration.path));
  const last = migrations.reduce((at, file, index) => (contracting.has(file.path) ? index : at), -1);
  const files = migrations
    .slice(0, last + 1)
    .filter((file) => !file.script)
    .map((file) => (contracting.has(file.path) ? { ...file, segments: file.segments.filter((s) => s.phase !== 'contract') } : file));
  return replayMigrations(files);
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Fingerprints of every query the migrations themselves run (backfills, fixes): pg_stat_statements counts them too. */
function ownFingerprints(migrations: readonly MigrationFile[]): Set<string> {
  const fingerprints = new Set<string>();
  for (const file of migrations) {
    for (const segment of file.segments) {
      for (const statement of parseSegment(file.text, segment).statements) {
        if (!DML.has(statement.kind)) continue;
        const fingerprint = fingerprintSql(statement.text);
        if (fingerprint) fingerprints.add(fingerprint);
      }
    }
  }
  return fingerprints;
}

/**
 * Contract is the point of no return: it drops what the old release still
 * uses. Refuses (RunnerError `CONTRACT_BLOCKED`, the sessions listed) while a
 * session whose application_name matches the pattern is connected, after
 * waiting up to `waitMs` for them to drain.
 */
export async function checkOldReleaseGone(client: pg.ClientBase, guard: ContractGuard, onEvent?: (event: RunnerEvent) => void): Promise<void> {
  if (guard.force) {
    onEvent?.({ type: 'guard-skipped', reason: '--force: not checking for sessions of the old release, nor the usage gate' });
    return;
  }
  if (!guard.pattern) {
    onEvent?.({ type: 'guard-skipped', reason: 'no oldReleaseApplicationName configured (nor --old-release): not checking for sessions of the old release' });
    return;
  }
  const deadline = Date.now() + guard.waitMs;
  let announced = false;
  for (;;) {
    const sessions = await sessionsNamed(client, guard.pattern);
    if (sessions.length === 0) return;
    if (Date.now() >= deadline) {
      throw new RunnerError(
        'CONTRACT_BLOCKED',
        `refusing to contract: ${sessions.length} session(s) of the old release (application_name LIKE '${guard.pattern}') still connected${guard.waitMs > 0 ? ` after waiting ${formatDuration(guard.waitMs)}` : ''}; wait for them to drain (--wait <duration>) or skip this check with --force:\n${describeSessions(sessions)}`,
      );
    }
    if (!announced) onEvent?.({ type: 'guard-waiting', sessions });
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now()))));
  }
}
