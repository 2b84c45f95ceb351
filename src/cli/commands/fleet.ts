import { relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { checkFleetContract } from '../../fleet/check-fleet-contract.js';
import { choiceNeedsState, chooseWaves, type WaveRequest } from '../../fleet/choose-waves.js';
import { loadFleetFile, type FleetSpec } from '../../fleet/fleet-file.js';
import { resolveTargets, type FleetTarget } from '../../fleet/resolve-targets.js';
import { runBounded } from '../../fleet/run-bounded.js';
import { runFleet } from '../../fleet/run-fleet.js';
import { readTargetState, type TargetState } from '../../fleet/target-state.js';
import { assignWaves, describeWave, pickTargets, type Wave } from '../../fleet/waves.js';
import type { Phase } from '../../migrations/phase.js';
import { backfillEngine } from '../../runner/backfill-engine.js';
import { usageGateSettings } from '../../runner/settings.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { fleetResultJson, formatFleetSummary, printFleetEvents } from '../fleet-output.js';
import { durationFlag, loadRunnerProject, type RunnerCommandOptions } from '../runner-setup.js';
import type { PhaseCommandOptions } from './run-phase.js';
import { checkFleetFlags, type FleetOptions } from '../fleet-flags.js';

/** The fleet, listed and dealt into waves, with the flags checked. */
export interface LoadedFleet {
  spec: FleetSpec;
  targets: FleetTarget[];
  waves: Wave[];
  request: WaveRequest;
  concurrency: FleetSpec['concurrency'];
  /** The fleet file as the user named it. */
  shown: string;
}

/** Reads the fleet file, lists its targets and deals them into waves. */
export async function loadFleet(options: FleetOptions, io: CliIO): Promise<LoadedFleet> {
  const path = resolve(io.cwd, options.fleet!);
  const shown = relative(io.cwd, path).startsWith('..') ? path : relative(io.cwd, path);
  const spec = await loadFleetFile(path, shown);
  const targets = await resolveTargets(spec, io.env);
  const waves = assignWaves(spec, targets);
  const names = options.targets?.split(',').map((n) => n.trim()).filter(Boolean);
  if (names !== undefined && names.length === 0) throw new UsageError('--targets: expected target names separated by commas');
  const request: WaveRequest = {
    ...(options.wave !== undefined ? { wave: options.wave } : {}),
    ...(options.waves === 'all' ? { all: true } : {}),
    ...(names ? { targets: pickTargets(targets, names) } : {}),
  };
  const total = options.concurrency !== undefined ? Number(options.concurrency) : spec.concurrency.total;
  return { spec, targets, waves, request, concurrency: { total, perServer: Math.min(total, spec.concurrency.perServer) }, shown };
}

/** Every target's state, read side by side within the fleet's concurrency. */
export async function readFleetStates(fleet: LoadedFleet, targets: readonly FleetTarget[]): Promise<Map<FleetTarget, TargetState>> {
  const states = await runBounded(targets, (t) => t.server, fleet.concurrency, (t) => readTargetState(t, fleet.spec.searchPath));
  return new Map(targets.map((t, i) => [t, states[i]!]));
}

/**
 * `pgtandem <phase> --fleet <file>`: the phase on a selection of the fleet,
 * wave by wave. Exit 0 when every target it ran finished, 1 when one failed
 * or was interrupted (the summary names them; a rerun resumes them), 2 for
 * bad flags, a bad fleet file or a generator that cannot list its targets.
 */
export async function fleetPhaseCommand(phase: Phase, options: PhaseCommandOptions & FleetOptions, io: CliIO): Promise<number> {
  checkFleetFlags(options);
  const lockWaitMs = durationFlag('--lock-wait', options.lockWait, 5_000);
  const waitMs = durationFlag('--wait', options.wait, 0);
  const maxPauseMs = options.maxPause !== undefined ? durationFlag('--max-pause', options.maxPause, 0) : undefined;
  const usageWindowMs = options.usageWindow !== undefined ? durationFlag('--usage-window', options.usageWindow, 0) : undefined;
  if (options.usageSince !== undefined) throw new UsageError('--usage-since migrate: not with --fleet (tenants share pg_stat_statements; use --usage-window)');
  const json = options.format === 'json';
  const { config, migrations } = await loadRunnerProject(options, io);
  const fleet = await loadFleet(options, io);

  const chosenBy = choiceNeedsState(phase, fleet.request) ? await readFleetStates(fleet, fleet.targets) : undefined;
  const choice = chooseWaves(phase, fleet.waves, fleet.request, chosenBy, migrations, options.to);
  if (choice.kind !== 'run' || choice.waves.length === 0) {
    const text =
      choice.kind === 'wait'
        ? `${phase}: wave ${describeWave(choice.done)} is done; the next wave is ${describeWave(choice.next)}.\nNext: pgtandem ${phase} --fleet ${fleet.shown} --wave next\n`
        : `${phase}: nothing to do on any target of ${fleet.shown}\n`;
    io.stdout(json ? `${JSON.stringify({ phase, fleet: fleet.shown, ...(choice.kind === 'wait' ? { waiting: { done: choice.done.index + 1, next: choice.next.index + 1 } } : { done: true }), waves: [] }, null, 2)}\n` : text);
    return EXIT.ok;
  }
  const selection = choice.waves.flatMap((w) => w.targets);
  if (options.dryRun) {
    io.stdout(json ? `${JSON.stringify(dryRunJson(phase, fleet, choice.waves), null, 2)}\n` : describeSelection(phase, fleet, choice.waves));
    return EXIT.ok;
  }

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(`pgtandem: ${signal}: the running targets stop after their current step, no other starts (again to stop now); rerun to resume\n`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const printer = json ? undefined : printFleetEvents(phase, io);
  const started = Date.now();
  try {
    const pattern = options.oldRelease ?? config.oldReleaseApplicationName;
    const oldRelease = { ...(pattern ? { pattern } : {}), force: options.force === true };
    if (phase === 'contract') {
      // Contract reads the states of its selection, unless choosing the wave read every target's already.
      const states = chosenBy ?? (await readFleetStates(fleet, selection));
      await checkFleetContract({
        states: selection.map((t) => states.get(t)!),
        migrations,
        config,
        guard: { ...oldRelease, waitMs, usage: usageGateSettings(config, usageWindowMs !== undefined ? { windowMs: usageWindowMs } : {}) },
        searchPath: fleet.spec.searchPath,
        concurrency: fleet.concurrency,
        ...(options.to !== undefined ? { to: options.to } : {}),
        signal: stop.signal,
      });
    }
    const result = await runFleet({
      phase,
      migrations,
      config,
      lockWaitMs,
      searchPath: fleet.spec.searchPath,
      waves: choice.waves,
      concurrency: fleet.concurrency,
      backfill: backfillEngine,
      signal: stop.signal,
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(maxPauseMs !== undefined ? { maxPauseMs } : {}),
      // The usage gate ran once per database above; each target checks the old release again as it starts.
      ...(phase === 'contract' ? { guard: { ...oldRelease, waitMs: 0 } } : {}),
      ...(printer ? { onEvent: printer.onEvent } : {}),
    });
    printer?.stop();
    const ms = Date.now() - started;
    io.stdout(json ? `${JSON.stringify(fleetResultJson(phase, fleet.shown, result, ms), null, 2)}\n` : formatFleetSummary(phase, result, ms) + nextLine(phase, fleet, result));
    const unfinished = result.waves.some((w) => w.outcomes.some((o) => o.result === 'failed' || o.result === 'interrupted'));
    return unfinished || result.stopped ? EXIT.failed : EXIT.ok;
  } finally {
    printer?.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function nextLine(phase: Phase, fleet: LoadedFleet, result: Awaited<ReturnType<typeof runFleet>>): string {
  const last = result.waves.at(-1);
  if (!last) return '';
  if (result.stopped === 'halted') return `Next: fix the failed targets, then rerun: pgtandem ${phase} --fleet ${fleet.shown} --wave ${last.wave.index + 1}\n`;
  if (result.stopped === 'interrupted') return `Next: rerun to resume: pgtandem ${phase} --fleet ${fleet.shown}\n`;
  if (phase === 'abort' || fleet.request.all || fleet.request.targets) return '';
  const later = fleet.waves.slice(last.wave.index + 1).find((w) => w.targets.length > 0);
  return later ? `Next: when wave ${last.wave.index + 1} looks healthy, pgtandem ${phase} --fleet ${fleet.shown} --wave next (${describeWave(later)})\n` : '';
}

function describeSelection(phase: Phase, fleet: LoadedFleet, waves: readonly { wave: Wave; targets: FleetTarget[] }[]): string {
  const lines = [`Dry run of ${phase} --fleet ${fleet.shown}: nothing was changed. ${fleet.targets.length} targets in the fleet; this run takes:`];
  for (const { wave, targets } of waves) {
    lines.push(`wave ${describeWave(wave)}, stops after ${wave.maxFailures} failure${wave.maxFailures === 1 ? '' : 's'}:`);
    lines.push(...targets.slice(0, 50).map((t) => `  ${t.name}  ${t.where}${t.labels.length > 0 ? `  [${t.labels.join(', ')}]` : ''}`));
    if (targets.length > 50) lines.push(`  … and ${targets.length - 50} more`);
  }
  lines.push(`At most ${fleet.concurrency.total} targets at once, ${fleet.concurrency.perServer} per server (one connection each).`);
  return `${lines.join('\n')}\n`;
}

function dryRunJson(phase: Phase, fleet: LoadedFleet, waves: readonly { wave: Wave; targets: FleetTarget[] }[]): unknown {
  return {
    phase,
    fleet: fleet.shown,
    dryRun: true,
    concurrency: fleet.concurrency,
    waves: waves.map(({ wave, targets }) => ({
      wave: wave.index + 1,
      name: wave.spec.name,
      select: wave.spec.select,
      maxFailures: wave.maxFailures,
      targets: targets.map((t) => ({ name: t.name, where: t.where, ...(t.schema !== undefined ? { schema: t.schema } : {}), labels: t.labels })),
    })),
  };
}
