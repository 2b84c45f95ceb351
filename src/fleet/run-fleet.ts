import type { RunnerEvent } from '../runner/events.js';
import type { FleetTarget } from './resolve-targets.js';
import { runBounded, type Concurrency } from './run-bounded.js';
import { runTarget, type TargetOutcome, type TargetRunContext } from './run-target.js';
import type { Wave } from './waves.js';

export type FleetEvent =
  | { type: 'wave-start'; wave: Wave; targets: readonly FleetTarget[] }
  | { type: 'target-start'; wave: Wave; target: FleetTarget }
  | { type: 'target-event'; target: FleetTarget; event: RunnerEvent }
  | { type: 'target-done'; outcome: TargetOutcome }
  | { type: 'wave-done'; wave: Wave; outcomes: TargetOutcome[]; halted: boolean };

export interface WaveRun {
  wave: Wave;
  outcomes: TargetOutcome[];
  /** It reached its maxFailures and stopped taking targets. */
  halted: boolean;
}

export interface FleetRunResult {
  waves: WaveRun[];
  /** Why later waves did not run: a wave halted, or the run was stopped (Ctrl-C). */
  stopped?: 'halted' | 'interrupted';
}

export interface FleetRunOptions extends Omit<TargetRunContext, 'onEvent'> {
  /** The waves to run, in order, each with the targets to run in it. */
  waves: readonly { wave: Wave; targets: readonly FleetTarget[] }[];
  concurrency: Concurrency;
  onEvent?(event: FleetEvent): void;
}

/**
 * Runs a phase across the fleet, wave after wave. A wave runs its targets
 * with bounded concurrency (in all and per server) and stops taking new ones
 * once `maxFailures` of them failed; the targets already running finish. A
 * halted wave ends the run: no later wave starts. On the signal (Ctrl-C) the
 * running targets stop at their next checkpoint and nothing else starts.
 * Each target keeps its own state, so a rerun finishes every target exactly
 * once: those done have nothing to do, the others resume.
 */
export async function runFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const context: TargetRunContext = { ...options, onEvent: (target, event) => options.onEvent?.({ type: 'target-event', target, event }) };
  const runs: WaveRun[] = [];
  for (const { wave, targets } of options.waves) {
    if (options.signal?.aborted) return { waves: runs, stopped: 'interrupted' };
    options.onEvent?.({ type: 'wave-start', wave, targets });
    let failures = 0;
    const results = await runBounded(
      targets,
      (t) => t.server,
      options.concurrency,
      async (target) => {
        options.onEvent?.({ type: 'target-start', wave, target });
        const outcome = await runTarget(target, wave.index + 1, context);
        if (outcome.result === 'failed') failures += 1;
        options.onEvent?.({ type: 'target-done', outcome });
        return outcome;
      },
      () => failures >= wave.maxFailures || options.signal?.aborted === true,
    );
    const outcomes = results.map((outcome, i): TargetOutcome => outcome ?? { target: targets[i]!, wave: wave.index + 1, result: 'not-reached', ms: 0, migrations: 0 });
    const halted = failures >= wave.maxFailures;
    runs.push({ wave, outcomes, halted });
    options.onEvent?.({ type: 'wave-done', wave, outcomes, halted });
    if (halted) return { waves: runs, stopped: 'halted' };
  }
  return { waves: runs, ...(options.signal?.aborted ? { stopped: 'interrupted' as const } : {}) };
}
