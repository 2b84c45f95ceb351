import { UsageError } from '../../errors.js';
import { MigrationState } from '../../runner/state.js';
import { statusReport, type StatusReport } from '../../runner/status.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { withRunnerSession, type RunnerCommandOptions } from '../runner-setup.js';

export interface StatusCommandOptions extends RunnerCommandOptions {
  format: string;
}

/** `pgtandem status`: every migration's state and phase times, and the next safe command. Reads only. */
export async function statusCommand(options: StatusCommandOptions, io: CliIO): Promise<number> {
  if (options.format !== 'pretty' && options.format !== 'json') throw new UsageError(`unknown format "${options.format}" (expected pretty or json)`);
  return withRunnerSession('status', options, io, async ({ connection, migrations }) => {
    const records = await new MigrationState(connection.client).list();
    const report = statusReport(migrations, records);
    io.stdout(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
    return EXIT.ok;
  });
}

function formatStatus(report: StatusReport): string {
  const header = ['VERSION', 'NAME', 'STATE', 'LAST CHANGE', 'NOTE'];
  const rows = report.migrations.map((m) => {
    const times = Object.values(m.phases).flatMap((p) => [p.startedAt, p.finishedAt ?? '']).filter(Boolean).sort();
    const note = m.missingFile
      ? 'file not found'
      : pausedNote(m.backfill) ??
        (m.inProgress ? `${m.inProgress.phase} interrupted after ${m.inProgress.actionsDone} action(s): rerun to resume` : '');
    return [m.version, m.name, m.state, times.at(-1)?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '', note];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line), '', `Next: ${report.next}`, ''].join('\n');
}

/** A backfill waiting for the database's health says why (saved by the runner while it waits). */
function pausedNote(backfill: { cursor: unknown } | undefined): string | undefined {
  const paused = (backfill?.cursor as { paused?: { reasons?: unknown; since?: unknown } } | undefined)?.paused;
  if (!paused || !Array.isArray(paused.reasons)) return undefined;
  const since = typeof paused.since === 'string' ? ` since ${paused.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : '';
  return `backfill paused${since}: ${paused.reasons.join('; ')}`;
}
