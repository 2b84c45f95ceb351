import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { InterruptedError, RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import { countLockWaiters, readHealthSignals, type HealthSignals, type HealthView, type StandbyLag } from './health-signals.js';
import type { ThrottleSettings } from './throttle-settings.js';

/** Told while a backfill waits for the database to get under its limits. */
export interface ThrottlePause {
  /** Why, one phrase per limit exceeded: `standby "replica1" replay lag 14s > 10s`. */
  reasons: string[];
  /** How long this pause has lasted so far, and all pauses of this run together. */
  pausedMs: number;
  totalMs: number;
}

export interface ThrottleHooks {
  onPause?(pause: ThrottlePause): void | Promise<void>;
  onResume?(pause: ThrottlePause): void | Promise<void>;
  /** Once per view this role cannot read. */
  onWarning?(message: string): void;
  signal?: AbortSignal;
}

const MAX_SAMPLES = 10_000;

const VIEW_HELP: Record<HealthView, string> = {
  pg_stat_replication: 'standby replay lag is not watched',
  pg_replication_slots: 'WAL retained by replication slots is not watched',
  pg_stat_progress_vacuum: 'autovacuum (anti-wraparound or not) on the table is not watched',
};

/**
 * Decides, before each batch of a backfill, whether the database can take
 * it: every standby's replay lag, the WAL replication slots hold back,
 * autovacuum on the table, and the sessions the last batch left waiting on
 * its row locks. Over a limit it waits (checking every `checkInterval`)
 * and resumes once all are under; past `maxPause` in all it throws
 * `PAUSE_LIMIT` (the batches so far are committed with their cursor).
 */
export class HealthThrottle {
  private readonly views: Set<HealthView>;
  private waiters = 0;
  private totalMs = 0;
  /** This server's WAL position at each check: how long ago a standby's replay position was written here. */
  private readonly samples: { at: number; lsn: number }[] = [];

  constructor(
    private readonly client: pg.ClientBase,
    private readonly table: string,
    private readonly label: string,
    private readonly settings: ThrottleSettings,
    private readonly hooks: ThrottleHooks = {},
  ) {
    this.views = new Set<HealthView>(['pg_stat_replication', 'pg_replication_slots']);
    if (settings.autovacuum !== 'ignore') this.views.add('pg_stat_progress_vacuum');
  }

  /** All pauses of this run together, in milliseconds. */
  get pausedMs(): number {
    return this.totalMs;
  }

  /** At the end of a batch, inside its transaction: how many sessions wait on its locks. */
  async observeBatch(client: pg.ClientBase): Promise<void> {
    if (!this.settings.enabled) return;
    this.waiters = await countLockWaiters(client);
  }

  /** Returns when the next batch may run; waits while the database is over a limit. */
  async beforeBatch(): Promise<void> {
    if (!this.settings.enabled) return;
    let reasons = await this.overLimits();
    if (reasons.length === 0) return;
    const from = performance.now();
    for (;;) {
      const pausedMs = performance.now() - from;
      const pause = { reasons, pausedMs, totalMs: this.totalMs + pausedMs };
      const { maxPause } = this.settings;
      if (maxPause > 0 && pause.totalMs >= maxPause) {
        this.totalMs = pause.totalMs;
        throw new RunnerError(
          'PAUSE_LIMIT',
          `${this.label}: paused ${formatDuration(pause.totalMs)} in all, past the longest pause allowed (--max-pause / throttle.maxPause ${formatDuration(maxPause)}): ${reasons.join('; ')}. The batches done are committed with their cursor: rerun migrate to resume`,
        );
      }
      await this.hooks.onPause?.(pause);
      const waitMs = maxPause > 0 ? Math.min(this.settings.checkInterval, maxPause - pause.totalMs) : this.settings.checkInterval;
      try {
        await sleep(waitMs, undefined, this.hooks.signal ? { signal: this.hooks.signal } : {});
      } catch (error) {
        if (!this.hooks.signal?.aborted) throw error;
        throw new InterruptedError(`${this.label}: stopped on request while paused (${reasons.join('; ')}); the batches done are committed with their cursor: rerun migrate to resume`, { cause: error });
      }
      reasons = await this.overLimits();
      if (reasons.length === 0) {
        const done = performance.now() - from;
        this.totalMs += done;
        await this.hooks.onResume?.({ reasons: pause.reasons, pausedMs: done, totalMs: this.totalMs });
        return;
      }
    }
  }

  private async overLimits(): Promise<string[]> {
    const signals = await readHealthSignals(this.client, this.table, this.views);
    this.warnUnreadable(signals);
    this.sample(signals);
    const { maxReplayLag, maxSlotWal, maxLockWaiters } = this.settings;
    const reasons: string[] = [];
    for (const standby of signals.standbys) {
      const lag = this.replayLag(standby);
      if (lag > maxReplayLag) {
        reasons.push(`standby "${standby.name}" replay lag ${formatDuration(lag)} > ${formatDuration(maxReplayLag)} (${formatBytes(standby.behindBytes)} behind)`);
      }
    }
    for (const slot of signals.slots) {
      if (slot.retainedBytes > maxSlotWal) {
        reasons.push(`replication slot "${slot.name}"${slot.active ? '' : ' (inactive)'} retains ${formatBytes(slot.retainedBytes)} of WAL > ${formatBytes(maxSlotWal)}`);
      }
    }
    // An ordinary autovacuum works alongside the batches (neither waits for the other's locks);
    // an anti-wraparound one must finish, and the batches' new XIDs and dead rows only make it longer.
    const vacuums = signals.autovacuum.filter((w) => w.wraparound || this.settings.autovacuum === 'pause');
    if (vacuums.length > 0) {
      const kind = vacuums.every((w) => w.wraparound) ? 'anti-wraparound autovacuum' : 'autovacuum';
      reasons.push(`${kind} is working ${this.table} (${vacuums.map((w) => w.phase).join(', ')})`);
    }
    // The waiters were let through when the batch committed: one check interval lets them finish.
    if (this.waiters > maxLockWaiters) reasons.push(`${this.waiters} sessions waited on the last batch's row locks > ${maxLockWaiters}`);
    this.waiters = 0;
    return reasons;
  }

  /**
   * A standby that replayed everything has no lag, whatever `replay_lag` last said. Else the
   * larger of `replay_lag` and the age of the oldest check whose WAL position it has not
   * replayed: the server's own figure stops moving (or is null) while replay is stuck.
   */
  private replayLag(standby: StandbyLag): number {
    if (standby.behindBytes === 0) return 0;
    const now = performance.now();
    const unreplayed = this.samples.find((s) => s.lsn > standby.replayLsn);
    return Math.max(standby.reportedLagMs ?? 0, unreplayed ? now - unreplayed.at : 0);
  }

  private sample(signals: HealthSignals): void {
    const oldestReplay = Math.min(...signals.standbys.map((s) => s.replayLsn));
    // Checks every standby has replayed past no longer tell anything (the last of them stays as a floor).
    while (this.samples.length > 1 && this.samples[1]!.lsn <= oldestReplay) this.samples.shift();
    if (this.samples.length >= MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES + 1);
    const last = this.samples.at(-1);
    if (!last || signals.currentLsn > last.lsn) this.samples.push({ at: performance.now(), lsn: signals.currentLsn });
  }

  private warnUnreadable(signals: HealthSignals): void {
    for (const view of signals.unreadable) {
      this.views.delete(view);
      this.hooks.onWarning?.(`cannot read ${view} (grant pg_monitor to the migrating role): ${VIEW_HELP[view]}; throttling on the rest`);
    }
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
}
