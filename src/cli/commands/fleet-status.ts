import { targetReport, type TargetState } from '../../fleet/target-state.js';
import { describeWave, type Wave } from '../../fleet/waves.js';
import type { MigrationFile } from '../../migrations/migration.js';
import { migrationKey } from '../../runner/plan.js';
import type { MigrationStateName } from '../../runner/state.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { loadRunnerProject, type RunnerCommandOptions } from '../runner-setup.js';
import { checkFleetFlags, type FleetOptions } from '../fleet-flags.js';
import { loadFleet, readFleetStates, type LoadedFleet } from './fleet.js';

/** Where a target stands: its least advanced migration's state, or why it cannot be read. */
type Stage = MigrationStateName | 'unreachable';
const STAGES: Stage[] = ['pending', 'expanded', 'migrated', 'contracted', 'aborted', 'unreachable'];
const RANK: Record<MigrationStateName, number> = { pending: 0, aborted: 0, expanded: 1, migrated: 2, contracted: 3 };

/** `pgtandem status --fleet <file>`: every wave's targets by stage, the targets that need attention, and the next command. Reads only. */
export async function fleetStatusCommand(options: RunnerCommandOptions & FleetOptions, io: CliIO): Promise<number> {
  checkFleetFlags(options);
  const { migrations } = await loadRunnerProject(options, io);
  const fleet = await loadFleet(options, io);
  const states = await readFleetStates(fleet, fleet.targets);
  const rows = fleet.waves.flatMap((wave) => wave.targets.map((target) => ({ wave, state: states.get(target)! })));
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(statusJson(fleet, rows, migrations), null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout(formatFleetStatus(fleet, rows, migrations));
  return EXIT.ok;
}

function stageOf(state: TargetState, migrations: readonly MigrationFile[]): Stage {
  if (state.error !== undefined) return 'unreachable';
  const byKey = new Map(state.records.map((r) => [r.version, r.state]));
  const states = migrations.map((m) => byKey.get(migrationKey(m)) ?? 'pending');
  if (states.length === 0) return 'contracted';
  if (states.some((s) => s === 'aborted') && states.every((s) => s === 'aborted' || s === 'contracted')) return 'aborted';
  return states.reduce((low, s) => (RANK[s] < RANK[low] ? s : low), 'contracted' as MigrationStateName);
}

/** A target that needs a look: unreachable, a phase in progress, or a last run that failed. */
function trouble(state: TargetState, migrations: readonly MigrationFile[]): string | undefined {
  if (state.error !== undefined) return state.error;
  const report = targetReport(state, migrations);
  const stuck = report.migrations.find((m) => m.lastRun && m.lastRun.result !== 'running');
  if (stuck?.lastRun) return `${stuck.version} ${stuck.lastRun.phase} ${stuck.lastRun.result}: ${stuck.lastRun.error ?? ''}`.trim();
  const running = report.migrations.find((m) => m.lastRun?.result === 'running');
  if (running?.lastRun) return `${running.version} ${running.lastRun.phase} running now (${running.lastRun.by})`;
  const partial = report.migrations.find((m) => m.inProgress);
  return partial?.inProgress ? `${partial.version} ${partial.inProgress.phase} stopped after ${partial.inProgress.actionsDone} actions: rerun to resume` : undefined;
}

function formatFleetStatus(fleet: LoadedFleet, rows: { wave: Wave; state: TargetState }[], migrations: readonly MigrationFile[]): string {
  const header = ['WAVE', 'TARGETS', ...STAGES.map((s) => s.toUpperCase())];
  const table = fleet.waves.map((wave) => {
    const stages = rows.filter((r) => r.wave === wave).map((r) => stageOf(r.state, migrations));
    return [describeWave(wave).replace(/, \d+ targets?\)$/, ')'), String(wave.targets.length), ...STAGES.map((s) => String(stages.filter((x) => x === s).length))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [`${fleet.shown}: ${fleet.targets.length} targets in ${fleet.waves.length} wave${fleet.waves.length === 1 ? '' : 's'}, ${migrations.length} migration${migrations.length === 1 ? '' : 's'}`, line(header), ...table.map(line)];
  const troubled = rows.map((r) => ({ r, why: trouble(r.state, migrations) })).filter((t) => t.why !== undefined);
  if (troubled.length > 0) {
    out.push('', `${troubled.length} target${troubled.length === 1 ? ' needs' : 's need'} a look:`);
    out.push(...troubled.slice(0, 20).map(({ r, why }) => `  ${r.state.target.name} (wave ${r.wave.index + 1}, ${r.state.target.where}): ${why}`));
    if (troubled.length > 20) out.push(`  … and ${troubled.length - 20} more (--format json lists every target)`);
  }
  out.push(`Next: ${nextCommand(fleet, rows, migrations)}`);
  return `${out.join('\n')}\n`;
}

/** The earliest wave not fully contracted, and the phase its least advanced target needs. */
function nextCommand(fleet: LoadedFleet, rows: { wave: Wave; state: TargetState }[], migrations: readonly MigrationFile[]): string {
  // A phase that failed or stopped on some target comes first: the wave it stopped is not done.
  for (const { wave, state } of rows) {
    const stopped = state.error === undefined ? targetReport(state, migrations).migrations.find((m) => m.lastRun && m.lastRun.result !== 'running') : undefined;
    if (stopped?.lastRun) {
      const count = rows.filter((r) => r.wave === wave && r.state.error === undefined && targetReport(r.state, migrations).migrations.some((m) => m.lastRun?.phase === stopped.lastRun!.phase && m.lastRun.result !== 'running')).length;
      return `fix what stopped ${stopped.lastRun.phase} on ${count} target${count === 1 ? '' : 's'} of wave ${wave.index + 1} (listed above), then rerun: pgtandem ${stopped.lastRun.phase} --fleet ${fleet.shown} --wave ${wave.index + 1}`;
    }
  }
  for (const wave of fleet.waves) {
    const stages = rows.filter((r) => r.wave === wave).map((r) => stageOf(r.state, migrations));
    if (stages.length === 0 || stages.every((s) => s === 'contracted' || s === 'aborted')) continue;
    const flag = `--fleet ${fleet.shown} --wave ${wave.index + 1}`;
    if (stages.includes('unreachable')) return `make the unreachable targets reachable, then pgtandem status ${flag}`;
    if (stages.includes('pending')) return `pgtandem expand ${flag}`;
    if (stages.includes('expanded')) return `pgtandem migrate ${flag}`;
    return `once the old release is gone from wave ${wave.index + 1}: pgtandem contract ${flag}`;
  }
  return 'nothing: every target is contracted (or aborted)';
}

function statusJson(fleet: LoadedFleet, rows: { wave: Wave; state: TargetState }[], migrations: readonly MigrationFile[]): unknown {
  return {
    fleet: fleet.shown,
    waves: fleet.waves.map((wave) => {
      const stages = rows.filter((r) => r.wave === wave).map((r) => stageOf(r.state, migrations));
      return { wave: wave.index + 1, name: wave.spec.name, select: wave.spec.select, targets: wave.targets.length, stages: Object.fromEntries(STAGES.map((s) => [s, stages.filter((x) => x === s).length])) };
    }),
    targets: rows.map(({ wave, state }) => ({
      name: state.target.name,
      where: state.target.where,
      ...(state.target.schema !== undefined ? { schema: state.target.schema } : {}),
      labels: state.target.labels,
      wave: wave.index + 1,
      stage: stageOf(state, migrations),
      ...(state.error !== undefined ? { error: state.error } : { migrations: targetReport(state, migrations).migrations }),
    })),
    next: nextCommand(fleet, rows, migrations),
  };
}
