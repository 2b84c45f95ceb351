import { targetReport, type TargetState } from '../../fleet/target-state.js';
import { describeWave, type Wave } from '../../fleet/waves.js';
import type { MigrationFile } from '../../migrations/migration.js';
import { migrationKey } from '../../runner/plan.js';
import type { MigrationStateName } from '../../runner/state.js';
import type { MigrationStatus, StatusReport } from '../../runner/status.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { loadRunnerProject, type RunnerCommandOptions } from '../runner-setup.js';
import { checkFleetFlags, type FleetOptions } from '../fleet-flags.js';
import { loadFleet, readFleetStates, type LoadedFleet } from './fleet.js';

/** Where a target stands: its least advanced migration's state, or why it cannot be read. */
type Stage = MigrationStateName | 'unreachable';
const STAGES: Stage[] = ['pending', 'expanded', 'migrated', 'contracted', 'aborted', 'unreachable'];
const RANK: Record<MigrationStateName, number> = { pending: 0, aborted: 0, expanded: 1, migrated: 2, contracted: 3 };

/** One target as status sees it: its wave, its stage, and (when readable) its report, each worked out once. */
interface Row {
  wave: Wave;
  state: TargetState;
  stage: Stage;
  report?: StatusReport;
}

/** `pgtandem status --fleet <file>`: every wave's targets by stage, the targets that need attention, and the next command. Reads only. */
export async function fleetStatusCommand(options: RunnerCommandOptions & FleetOptions, io: CliIO): Promise<number> {
  checkFleetFlags(options);
  const { migrations } = await loadRunnerProject(options, io);
  const fleet = await loadFleet(options, io);
  const states = await readFleetStates(fleet, fleet.targets);
  const rows = fleet.waves.flatMap((wave) =>
    wave.targets.map((target): Row => {
      const state = states.get(target)!;
      return { wave, state, stage: stageOf(state, migrations), ...(state.error === undefined ? { report: targetReport(state, migrations) } : {}) };
    }),
  );
  io.stdout(options.format === 'json' ? `${JSON.stringify(statusJson(fleet, rows), null, 2)}\n` : formatFleetStatus(fleet, rows, migrations));
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

/** The migration whose latest phase run failed or was interrupted (not one running now). */
function stoppedRun(row: Row): MigrationStatus | undefined {
  return row.report?.migrations.find((m) => m.lastRun && m.lastRun.result !== 'running');
}

/** A target that needs a look: unreachable, a phase in progress, or a last run that failed. */
function trouble(row: Row): string | undefined {
  if (row.state.error !== undefined) return row.state.error;
  const stuck = stoppedRun(row);
  if (stuck?.lastRun) return `${stuck.version} ${stuck.lastRun.phase} ${stuck.lastRun.result}: ${stuck.lastRun.error ?? ''}`.trim();
  const running = row.report!.migrations.find((m) => m.lastRun?.result === 'running');
  if (running?.lastRun) return `${running.version} ${running.lastRun.phase} running now (${running.lastRun.by})`;
  const partial = row.report!.migrations.find((m) => m.inProgress);
  return partial?.inProgress ? `${partial.version} ${partial.inProgress.phase} stopped after ${partial.inProgress.actionsDone} actions: rerun to resume` : undefined;
}

function stagesOf(rows: readonly Row[], wave: Wave): Stage[] {
  return rows.filter((r) => r.wave === wave).map((r) => r.stage);
}

function formatFleetStatus(fleet: LoadedFleet, rows: readonly Row[], migrations: readonly MigrationFile[]): string {
  const header = ['WAVE', 'TARGETS', ...STAGES.map((s) => s.toUpperCase())];
  const table = fleet.waves.map((wave) => {
    const stages = stagesOf(rows, wave);
    return [describeWave(wave).replace(/, \d+ targets?\)$/, ')'), String(wave.targets.length), ...STAGES.map((s) => String(stages.filter((x) => x === s).length))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [`${fleet.shown}: ${fleet.targets.length} targets in ${fleet.waves.length} wave${fleet.waves.length === 1 ? '' : 's'}, ${migrations.length} migration${migrations.length === 1 ? '' : 's'}`, line(header), ...table.map(line)];
  const troubled = rows.map((r) => ({ r, why: trouble(r) })).filter((t) => t.why !== undefined);
  if (troubled.length > 0) {
    out.push('', `${troubled.length} target${troubled.length === 1 ? ' needs' : 's need'} a look:`);
    out.push(...troubled.slice(0, 20).map(({ r, why }) => `  ${r.state.target.name} (wave ${r.wave.index + 1}, ${r.state.target.where}): ${why}`));
    if (troubled.length > 20) out.push(`  … and ${troubled.length - 20} more (--format json lists every target)`);
  }
  out.push(`Next: ${nextCommand(fleet, rows)}`);
  return `${out.join('\n')}\n`;
}

/** A phase that failed or stopped on a wave's targets, else the earliest wave not fully contracted and the phase its least advanced target needs. */
function nextCommand(fleet: LoadedFleet, rows: readonly Row[]): string {
  const stopped = rows.find((r) => stoppedRun(r));
  if (stopped) {
    const phase = stoppedRun(stopped)!.lastRun!.phase;
    const count = rows.filter((r) => r.wave === stopped.wave && r.report?.migrations.some((m) => m.lastRun?.phase === phase && m.lastRun.result !== 'running')).length;
    const wave = stopped.wave.index + 1;
    return `fix what stopped ${phase} on ${count} target${count === 1 ? '' : 's'} of wave ${wave} (listed above), then rerun: pgtandem ${phase} --fleet ${fleet.shown} --wave ${wave}`;
  }
  for (const wave of fleet.waves) {
    const stages = stagesOf(rows, wave);
    if (stages.length === 0 || stages.every((s) => s === 'contracted' || s === 'aborted')) continue;
    const flag = `--fleet ${fleet.shown} --wave ${wave.index + 1}`;
    if (stages.includes('unreachable')) return `make the unreachable targets reachable, then pgtandem status ${flag}`;
    if (stages.includes('pending')) return `pgtandem expand ${flag}`;
    if (stages.includes('expanded')) return `pgtandem migrate ${flag}`;
    return `once the old release is gone from wave ${wave.index + 1}: pgtandem contract ${flag}`;
  }
  return 'nothing: every target is contracted (or aborted)';
}

function statusJson(fleet: LoadedFleet, rows: readonly Row[]): unknown {
  return {
    fleet: fleet.shown,
    waves: fleet.waves.map((wave) => {
      const stages = stagesOf(rows, wave);
      return { wave: wave.index + 1, name: wave.spec.name, select: wave.spec.select, targets: wave.targets.length, stages: Object.fromEntries(STAGES.map((s) => [s, stages.filter((x) => x === s).length])) };
    }),
    targets: rows.map(({ wave, state, stage, report }) => ({
      name: state.target.name,
      where: state.target.where,
      ...(state.target.schema !== undefined ? { schema: state.target.schema } : {}),
      labels: state.target.labels,
      wave: wave.index + 1,
      stage,
      ...(state.error !== undefined ? { error: state.error } : { migrations: report!.migrations }),
    })),
    next: nextCommand(fleet, rows),
  };
}
