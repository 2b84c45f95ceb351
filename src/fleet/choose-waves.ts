import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { UsageError } from '../errors.js';
import type { FleetTarget } from './resolve-targets.js';
import { needsPhase, startedPhase, type TargetState } from './target-state.js';
import { describeWave, findWave, type Wave } from './waves.js';

export type WaveRequest = { wave?: string; all?: boolean; targets?: readonly FleetTarget[] };

/** What a fleet command runs: waves in order with their targets, or why it runs nothing. */
export type WaveChoice =
  | { kind: 'run'; waves: { wave: Wave; targets: FleetTarget[] }[] }
  /** The current wave is done and the next has not started: starting it is a decision (--wave next). */
  | { kind: 'wait'; done: Wave; next: Wave }
  | { kind: 'done' };

/** Whether choosing needs every target's state read first (default and `--wave next`). */
export function choiceNeedsState(phase: Phase, request: WaveRequest): boolean {
  if (request.targets || request.all) return false;
  if (request.wave === undefined) return phase !== 'abort';
  return request.wave === 'next';
}

/**
 * Picks the waves a phase command runs. `--targets`: those targets, each in
 * its wave. `--waves all`: every wave. `--wave <n|name>`: that one.
 * `--wave next`: the first wave with work left. With none of these: the
 * first wave with work left if it is the first wave or has already started
 * (a rerun resumes it), otherwise nothing — the next wave never starts
 * unasked. Abort goes newest wave first and, unasked, takes every wave.
 */
export function chooseWaves(
  phase: Phase,
  waves: readonly Wave[],
  request: WaveRequest,
  states: ReadonlyMap<FleetTarget, TargetState> | undefined,
  migrations: readonly MigrationFile[],
  to?: string,
): WaveChoice {
  const ordered = (list: readonly Wave[]): Wave[] => (phase === 'abort' ? [...list].reverse() : [...list]);
  const nonEmpty = waves.filter((w) => w.targets.length > 0);
  if (request.targets) {
    const wanted = new Set(request.targets);
    return { kind: 'run', waves: ordered(nonEmpty).map((wave) => ({ wave, targets: wave.targets.filter((t) => wanted.has(t)) })).filter((w) => w.targets.length > 0) };
  }
  if (request.all || (request.wave === undefined && phase === 'abort')) return { kind: 'run', waves: ordered(nonEmpty).map((wave) => ({ wave, targets: wave.targets })) };
  if (request.wave !== undefined && request.wave !== 'next') {
    const wave = findWave(waves, request.wave);
    if (wave.targets.length === 0) throw new UsageError(`--wave ${request.wave}: wave ${describeWave(wave)} takes no target: the waves before it already cover "${wave.spec.select}"`);
    return { kind: 'run', waves: [{ wave, targets: wave.targets }] };
  }
  const hasWork = (wave: Wave): boolean => wave.targets.some((t) => needsPhase(phase, states!.get(t)!, migrations, to));
  const current = ordered(nonEmpty).find(hasWork);
  if (!current) return { kind: 'done' };
  const first = ordered(nonEmpty)[0]!;
  if (request.wave === 'next' || current === first || current.targets.some((t) => startedPhase(phase, states!.get(t)!))) {
    return { kind: 'run', waves: [{ wave: current, targets: current.targets }] };
  }
  const list = ordered(nonEmpty);
  return { kind: 'wait', done: list[list.indexOf(current) - 1]!, next: current };
}
