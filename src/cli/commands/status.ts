import { foreignHistoryNotes, withForeignHistory, type ForeignHistoryNote } from '../../adopt/foreign-status.js';
import { UsageError } from '../../errors.js';
import { MigrationState } from '../../runner/state.js';
import { runnerActive } from '../../runner/runner-lock.js';
import { statusReport, type MigrationStatus, type StatusReport } from '../../runner/status.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { withRunnerSession, type RunnerCommandOptions } from '../runner-setup.js';

export interface StatusCommandOptions extends RunnerCommandOptions {
  format: string;
}

/** `pgtandem status`: every migration's state and phase times, and the next safe command. Reads only. */
export async function statusCommand(options: StatusCommandOptions, io: CliIO): Promise<number> {
  if (options.format !== 'pretty' && options.format !== 'json') throw new UsageError(`unknown format "${options.format}" (expected pretty or json)`);
  return withRunnerSession('status', options, io, async ({ connection, migrations, history }) => {
    const state = new MigrationState(connection.client);
    const records = await state.list();
    const notes = await foreignHistoryNotes(connection.client, migrations, history, records, io.cwd);
    const report = withForeignHistory(statusReport(migrations, records, await state.lastRuns(), await runnerActive(connection.client)), notes);
    io.stdout(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return EXIT.ok;
  });
}

function formatStatus(report: StatusReport & { foreignHistory?: ForeignHistoryNote[] }): string {
  const header = ['VERSION', 'NAME', 'STATE', 'LAST CHANGE', 'NOTE'];
  const rows = report.migrations.map((m) => {
    const times = Object.values(m.phases).flatMap((p) => [p.startedAt, p.finishedAt ?? '']).filter(Boolean).sort();
    return [m.version, m.name, m.state, times.at(-1)?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '', note(m)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const failures = report.migrations.filter((m) => m.lastRun?.error && m.lastRun.result !== 'running').map(describeLastRun);
  const notes = (report.foreignHistory ?? []).map((n) => n.message);
  return [line(header), ...rows.map(line), '', ...failures, ...notes, `Next: ${report.next}`, ''].join('\n');
}

/** The NOTE column: what stopped a phase, in a few words; the error itself is printed below the table. */
function note(m: MigrationStatus): string {
  if (m.missingFile) return 'file not found';
  const run = m.lastRun;
  const done = m.inProgress ? ` after ${m.inProgress.actionsDone} action${m.inProgress.actionsDone === 1 ? '' : 's'}${m.backfill ? ' and part of a backfill' : ''}` : '';
  if (run?.result === 'running') return `${run.phase} running now (${run.by})`;
  if (run?.result === 'interrupted') return `${run.phase} interrupted${done}: rerun to resume`;
  if (run?.result === 'failed' && m.inProgress) return `${run.phase} failed${done}: ${run.rerunCanHelp ? 'a rerun may pass' : 'fix it before a rerun'}`;
  if (m.inProgress) return `${m.inProgress.phase} stopped${done}: rerun to resume`;
  return '';
}

function describeLastRun(m: MigrationStatus): string {
  const run = m.lastRun!;
  const when = (run.finishedAt ?? run.startedAt).replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `${m.version} ${run.phase} ${run.result} at ${when} (${run.by}):\n  ${run.error}\n  ${run.advice}\n`;
}
