import type { AutovacuumThrottle, ThrottleConfig } from '../lint/throttle-config.js';

/** The health limits a backfill pauses at, resolved with their defaults (milliseconds, bytes). */
export interface ThrottleSettings {
  enabled: boolean;
  maxReplayLag: number;
  maxSlotWal: number;
  maxLockWaiters: number;
  autovacuum: AutovacuumThrottle;
  checkInterval: number;
  /** 0: no bound. */
  maxPause: number;
}

export const DEFAULT_THROTTLE_SETTINGS: ThrottleSettings = {
  enabled: true,
  // A standby this stale serves reads the app notices; well under what alerts usually page on.
  maxReplayLag: 10_000,
  maxSlotWal: 1024 ** 3,
  maxLockWaiters: 3,
  // Ordinary autovacuum runs beside a backfill well enough; pausing for it cost 50 s of a 204 s backfill of 10M rows.
  autovacuum: 'wraparound',
  checkInterval: 1_000,
  maxPause: 60 * 60_000,
};

export function throttleSettings(config: ThrottleConfig | undefined): ThrottleSettings {
  const merged = { ...DEFAULT_THROTTLE_SETTINGS };
  for (const [key, value] of Object.entries(config ?? {})) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}
