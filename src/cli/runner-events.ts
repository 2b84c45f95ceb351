import { formatDuration } from '../lint/duration.js';
import type { RunnerEvent } from '../runner/events.js';
import { createBackfillProgress, type BackfillProgressReporter } from './backfill-progress.js';
import type { CliIO } from './io.js';

const PROGRESS_EVERY_MS = 2_000;

/** Turns runner events into log lines: progress on stdout, warnings on stderr. */
export function printRunnerEvents(io: CliIO): (event: RunnerEvent) => void {
  const progress = new Map<string, BackfillProgressReporter>();
  return (event) => {
    switch (event.type) {
      case 'phase-start': {
        const resume = event.resumeAt > 0 ? `, resuming after ${event.resumeAt} finished` : '';
        const what = event.actions === 0 ? 'empty section, recorded as done' : `${event.actions} action${event.actions === 1 ? '' : 's'}${resume}`;
        io.stdout(`${event.phase} ${event.migration.path} (${what})\n`);
        return;
      }
      case 'action-done':
        io.stdout(
          `  ✓ ${event.action.id} ${event.action.script ? `export ${event.action.script.exportName}` : `line ${event.action.line}`}${event.skipped ? ` (skipped: ${event.skipped})` : ''}\n`,
        );
        return;
      case 'phase-done':
        io.stdout(`  ${event.phase} done: ${event.migration.version}_${event.migration.name}\n`);
        return;
      case 'lock-retry': {
        const who = event.notice.blockers.map((b) => `pid ${b.pid} "${b.applicationName}"`).join(', ');
        io.stderr(`pgtandem: ${event.label}: lock not available${who ? ` (held by ${who})` : ''}; retry ${event.notice.attempt} in ${formatDuration(event.notice.waitMs)}\n`);
        return;
      }
      case 'backfill-progress': {
        // A live bar on a terminal, a log line every few seconds otherwise (CI logs stay short).
        let reporter = progress.get(event.label);
        if (!reporter) {
          const stream = io.terminal ?? { write: (text: string) => (io.stdout(text), true) };
          reporter = createBackfillProgress({ stream: stream as NodeJS.WritableStream, isTTY: io.terminal !== undefined, intervalMs: PROGRESS_EVERY_MS });
          progress.set(event.label, reporter);
        }
        reporter.onProgress(event.progress);
        if (event.progress.done) {
          reporter.stop();
          progress.delete(event.label);
        }
        return;
      }
      case 'guard-skipped':
        io.stderr(`pgtandem: warning: ${event.reason}\n`);
        return;
      case 'usage-watching': {
        const what = `uses of the ${event.objects} object(s) contract removes`;
        io.stderr(
          !event.sinceMigrate
            ? `pgtandem: usage gate: watching pg_stat_statements for ${formatDuration(event.windowMs)} for ${what}\n`
            : event.remainingMs > 0
              ? `pgtandem: usage gate: reading pg_stat_statements since the snapshot migrate kept, ${formatDuration(event.remainingMs)} more to fill the ${formatDuration(event.windowMs)} window, for ${what}\n`
              : `pgtandem: usage gate: reading pg_stat_statements since the snapshot migrate kept (over ${formatDuration(event.windowMs)} ago) for ${what}\n`,
        );
        return;
      }
      case 'usage-clear':
        io.stderr(`pgtandem: usage gate: no statement used ${event.objects.join(', ')} in the last ${formatDuration(event.windowMs)}\n`);
        return;
      case 'guard-waiting':
        io.stderr(`pgtandem: waiting for ${event.sessions.length} session(s) of the old release to disconnect (pids ${event.sessions.map((s) => s.pid).join(', ')})\n`);
        return;
    }
  };
}
