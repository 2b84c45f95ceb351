import type { PgtandemConfig } from '../lint/config.js';
import type { UsageGateSettings } from './usage-gate.js';
import { throttleSettings, type ThrottleSettings } from './throttle-settings.js';

/** What the executor needs to know about timeouts, retries and batches, all durations in milliseconds. */
export interface RunnerSettings {
  lockTimeout: number;
  /** 0 = no statement timeout: a CREATE INDEX CONCURRENTLY on a large table may rightly take hours. */
  statementTimeout: number;
  lockRetryDeadline: number;
  batchSize: number;
  batchDelayMs: number;
  batchTargetMs: number;
  /** The migrate phase's health limits (config `throttle`). */
  throttle: ThrottleSettings;
  pgVersion: number;
}

export const DEFAULT_RUNNER_SETTINGS: Omit<RunnerSettings, 'pgVersion' | 'throttle'> = {
  lockTimeout: 2_000,
  statementTimeout: 0,
  lockRetryDeadline: 5 * 60_000,
  batchSize: 1_000,
  batchDelayMs: 50,
  // Each row lock is held up to a batch's duration: at 1 s the app's p99 during migrate reached 2.9× idle on a quiet run of
  // bench:rollout, at 500 ms 1.6×, for the same throughput (README, "Blast radius, measured").
  batchTargetMs: 500,
};

export function runnerSettings(config: PgtandemConfig, serverVersion: number): RunnerSettings {
  return {
    lockTimeout: config.lockTimeout ?? DEFAULT_RUNNER_SETTINGS.lockTimeout,
    statementTimeout: config.statementTimeout ?? DEFAULT_RUNNER_SETTINGS.statementTimeout,
    lockRetryDeadline: config.lockRetryDeadline ?? DEFAULT_RUNNER_SETTINGS.lockRetryDeadline,
    batchSize: config.batchSize ?? DEFAULT_RUNNER_SETTINGS.batchSize,
    batchDelayMs: config.batchDelayMs ?? DEFAULT_RUNNER_SETTINGS.batchDelayMs,
    batchTargetMs: config.batchTargetMs ?? DEFAULT_RUNNER_SETTINGS.batchTargetMs,
    throttle: throttleSettings(config.throttle),
    pgVersion: serverVersion,
  };
}

/** The usage gate's window when neither --usage-window nor config usageWindow says: long enough for hourly-ish traffic to show. */
export const DEFAULT_USAGE_WINDOW_MS = 10 * 60_000;

/** Contract's usage gate from the config, with the flags' window and start (already parsed) winning. */
export function usageGateSettings(config: PgtandemConfig, flags: { windowMs?: number; since?: 'migrate' }): UsageGateSettings {
  return {
    mode: config.usageGate ?? 'auto',
    windowMs: flags.windowMs ?? config.usageWindow ?? DEFAULT_USAGE_WINDOW_MS,
    ownStatementsOnly: config.usageGateOwnStatementsOnly ?? false,
    ...(flags.since ? { since: flags.since } : {}),
  };
}
