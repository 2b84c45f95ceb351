import { ConfigError, UsageError } from '../errors.js';
import type { FleetSpec, WaveSpec } from './fleet-file.js';
import type { FleetTarget } from './resolve-targets.js';

/** A wave with the targets it takes, and the failures at which it stops taking more. */
export interface Wave {
  /** 0-based place in the file. */
  index: number;
  spec: WaveSpec;
  targets: FleetTarget[];
  /** Failures at which the wave stops starting targets (at least 1). */
  maxFailures: number;
}

/**
 * Deals the fleet into its waves, cumulatively and in fleet order: a label
 * wave takes every target with the label that no earlier wave took; `5%`
 * takes targets until 5% of the fleet (rounded up) is in this wave or an
 * earlier one; `20` until 20 are. A percentage or count wave that the earlier
 * ones already cover takes nobody and is passed over; a label no target
 * carries is an error.
 */
export function assignWaves(spec: FleetSpec, targets: readonly FleetTarget[]): Wave[] {
  const taken = new Set<FleetTarget>();
  return spec.waves.map((wave, index) => {
    let members: FleetTarget[];
    const { selector } = wave;
    if (selector.kind === 'label') {
      const labelled = targets.filter((t) => t.labels.includes(selector.label));
      if (labelled.length === 0) throw new ConfigError(spec.path, `waves[${index}]: "${wave.select}" matches no target (labels in the fleet: ${labelsOf(targets)})`);
      members = labelled.filter((t) => !taken.has(t));
    } else {
      const upTo = selector.kind === 'percent' ? Math.ceil((selector.percent / 100) * targets.length - 1e-9) : Math.min(selector.count, targets.length);
      members = targets.filter((t) => !taken.has(t)).slice(0, Math.max(0, upTo - taken.size));
    }
    for (const t of members) taken.add(t);
    const limit = wave.maxFailures;
    const maxFailures = 'count' in limit ? limit.count : Math.max(1, Math.ceil((limit.percent / 100) * members.length - 1e-9));
    return { index, spec: wave, targets: members, maxFailures };
  });
}

/** `--wave 2` or `--wave canary`: the wave by number (1-based) or name. */
export function findWave(waves: readonly Wave[], flag: string): Wave {
  const byName = waves.find((w) => w.spec.name === flag);
  if (byName) return byName;
  const number = /^\d+$/.test(flag) ? Number(flag) : NaN;
  const byNumber = waves[number - 1];
  if (byNumber) return byNumber;
  throw new UsageError(`--wave: no wave "${flag}" (the fleet's waves: ${waves.map(describeWave).join(', ')}; or next)`);
}

/** `2 (5%, 12 targets)`; a named wave `canary (label:canary, 3 targets)`. */
export function describeWave(wave: Wave): string {
  const name = wave.spec.name === String(wave.index + 1) ? wave.spec.name : `${wave.index + 1} "${wave.spec.name}"`;
  return `${name} (${wave.spec.select}, ${wave.targets.length} target${wave.targets.length === 1 ? '' : 's'})`;
}

/** `--targets a,b`: those targets, in fleet order; an unknown name is a usage error naming it. */
export function pickTargets(targets: readonly FleetTarget[], names: readonly string[]): FleetTarget[] {
  const known = new Set(targets.map((t) => t.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new UsageError(`--targets: no target named ${unknown.map((n) => `"${n}"`).join(', ')} in the fleet`);
  const wanted = new Set(names);
  return targets.filter((t) => wanted.has(t.name));
}

function labelsOf(targets: readonly FleetTarget[]): string {
  const labels = [...new Set(targets.flatMap((t) => t.labels))].sort();
  return labels.length === 0 ? 'none' : labels.join(', ');
}
