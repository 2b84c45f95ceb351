import { ConfigError } from '../errors.js';
import { parseDuration } from './duration.js';

/**
 * The `throttle` section of the config: the limits the migrate phase's
 * backfill pauses at, between batches. `false` turns throttling off.
 * Durations in milliseconds, sizes in bytes.
 */
export interface ThrottleConfig {
  enabled?: boolean;
  /** Longest replay lag of any standby (`pg_stat_replication`). */
  maxReplayLag?: number;
  /** Most WAL any replication slot may hold back (`pg_replication_slots`). */
  maxSlotWal?: number;
  /** Most sessions that may be left waiting on one batch's row locks when it ends. */
  maxLockWaiters?: number;
  /** Which autovacuum working the backfilled table pauses the backfill. */
  autovacuum?: AutovacuumThrottle;
  /** How often a paused backfill looks again. */
  checkInterval?: number;
  /** The most a backfill may pause in all before the run fails (resumably); 0 = no bound. */
  maxPause?: number;
}

/**
 * `wraparound`: only an anti-wraparound autovacuum pauses the backfill (the default);
 * `pause`: any autovacuum on the table does; `ignore`: none does.
 */
export type AutovacuumThrottle = 'wraparound' | 'pause' | 'ignore';
const AUTOVACUUM_MODES: readonly AutovacuumThrottle[] = ['wraparound', 'pause', 'ignore'];

const KEYS = ['maxReplayLag', 'maxSlotWal', 'maxLockWaiters', 'autovacuum', 'checkInterval', 'maxPause'] as const;
const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** Validates the `throttle` section; throws ConfigError with one line naming the setting. */
export function parseThrottleConfig(file: string, raw: unknown): ThrottleConfig {
  if (raw === false) return { enabled: false };
  if (raw === true) return { enabled: true };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, 'throttle must be false or an object such as { "maxReplayLag": "30s", "maxSlotWal": "1GB" }');
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(KEYS as readonly string[]).includes(key)) throw new ConfigError(file, `unknown setting "throttle.${key}" (known: ${KEYS.join(', ')})`);
  }
  const config: ThrottleConfig = { enabled: true };
  for (const key of ['maxReplayLag', 'checkInterval', 'maxPause'] as const) {
    if (input[key] === undefined) continue;
    const ms = parseDuration(input[key]);
    if (ms === undefined) throw new ConfigError(file, `throttle.${key} must be a duration such as "30s", "500ms", "5min" or a number of milliseconds, got ${JSON.stringify(input[key])}`);
    if (ms === 0 && key === 'checkInterval') throw new ConfigError(file, 'throttle.checkInterval must be more than 0');
    config[key] = ms;
  }
  if (input.maxSlotWal !== undefined) {
    const bytes = parseSize(input.maxSlotWal);
    if (bytes === undefined) throw new ConfigError(file, `throttle.maxSlotWal must be a size such as "1GB", "512MB" or a number of bytes, got ${JSON.stringify(input.maxSlotWal)}`);
    config.maxSlotWal = bytes;
  }
  if (input.maxLockWaiters !== undefined) {
    const n = input.maxLockWaiters;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new ConfigError(file, `throttle.maxLockWaiters must be a whole number ≥ 0, got ${JSON.stringify(n)}`);
    config.maxLockWaiters = n;
  }
  if (input.autovacuum !== undefined) {
    const mode = AUTOVACUUM_MODES.find((m) => m === input.autovacuum);
    if (!mode) throw new ConfigError(file, `throttle.autovacuum must be "wraparound" (the default), "pause" or "ignore", got ${JSON.stringify(input.autovacuum)}`);
    config.autovacuum = mode;
  }
  return config;
}

/** "1GB", "512MB", "64kB", "100 B" (units of 1024, as PostgreSQL's settings) or a number of bytes; undefined when not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i.exec(value);
  if (!match) return undefined;
  const factor = SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}
