import type pg from 'pg';
import { RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import { describeSessions, sessionsNamed } from './blocking-sessions.js';
import type { RunnerEvent } from './events.js';

export interface ContractGuard {
  /** LIKE pattern for the old release's application_name (--old-release, else config). */
  pattern?: string;
  /** How long to wait for those sessions to go (--wait); 0 refuses at once. */
  waitMs: number;
  /** --force: contract without checking. */
  force: boolean;
}

/**
 * Contract is the point of no return: it drops what the old release still
 * uses. Refuses (RunnerError `CONTRACT_BLOCKED`, the sessions listed) while a
 * session whose application_name matches the pattern is connected, after
 * waiting up to `waitMs` for them to drain.
 */
export async function checkOldReleaseGone(client: pg.ClientBase, guard: ContractGuard, onEvent?: (event: RunnerEvent) => void): Promise<void> {
  if (guard.force) {
    onEvent?.({ type: 'guard-skipped', reason: '--force: not checking for sessions of the old release' });
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
