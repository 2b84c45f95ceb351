import cliProgress from 'cli-progress';
import { formatDuration } from '../lint/duration.js';
import type { Phase } from '../migrations/phase.js';
import type { FleetEvent, FleetRunResult } from '../fleet/run-fleet.js';
import type { TargetOutcome, TargetResult } from '../fleet/run-target.js';
import { describeWave } from '../fleet/waves.js';
import type { RunnerEvent } from '../runner/events.js';
import type { CliIO } from './io.js';

/**
 * Shows a fleet run as it goes. On a terminal: an overall bar per wave and
 * one line per running target saying what it does now. Elsewhere (CI logs):
 * one line per wave and per finished target. Failures name the target and
 * its one-line reason; no URL is ever printed (targets show host:port/db).
 */
export function printFleetEvents(phase: Phase, io: CliIO): { onEvent(event: FleetEvent): void; stop(): void } {
  return io.terminal ? terminalPrinter(phase, io, io.terminal) : linePrinter(phase, io);
}

function linePrinter(phase: Phase, io: CliIO): { onEvent(event: FleetEvent): void; stop(): void } {
  return {
    onEvent(event) {
      if (event.type === 'wave-start') io.stdout(`${phase} wave ${describeWave(event.wave)}: ${event.targets.length} to run\n`);
      else if (event.type === 'target-done') io.stdout(`  ${outcomeLine(event.outcome)}\n`);
      else if (event.type === 'wave-done' && event.halted) io.stderr(`pgtandem: wave ${event.wave.index + 1} stopped: ${failed(event.outcomes)} of its targets failed (maxFailures ${event.wave.maxFailures})\n`);
    },
    stop() {},
  };
}

function terminalPrinter(phase: Phase, io: CliIO, terminal: NodeJS.WriteStream): { onEvent(event: FleetEvent): void; stop(): void } {
  let multi: cliProgress.MultiBar | undefined;
  let overall: cliProgress.SingleBar | undefined;
  const lines = new Map<string, cliProgress.SingleBar>();
  const counts = { done: 0, failed: 0 };
  const stopBars = (): void => {
    multi?.stop();
    multi = undefined;
    lines.clear();
  };
  return {
    onEvent(event) {
      switch (event.type) {
        case 'wave-start':
          stopBars();
          counts.done = 0;
          counts.failed = 0;
          multi = new cliProgress.MultiBar(
            { stream: terminal, hideCursor: true, clearOnComplete: false, format: (options, params, data: { text: string; bar?: boolean }) => (data.bar ? `${cliProgress.Format.BarFormat(params.progress, options)} ${data.text}` : data.text) },
            cliProgress.Presets.shades_classic,
          );
          overall = multi.create(event.targets.length, 0, { bar: true, text: waveText(phase, event.wave, event.targets.length, counts) });
          return;
        case 'target-start':
          lines.set(event.target.name, multi!.create(1, 0, { text: `  ${event.target.name}  connecting` }));
          return;
        case 'target-event': {
          const text = describeRunnerEvent(event.event);
          if (text) lines.get(event.target.name)?.update(0, { text: `  ${event.target.name}  ${text}` });
          return;
        }
        case 'target-done': {
          const line = lines.get(event.outcome.target.name);
          if (line) multi!.remove(line);
          lines.delete(event.outcome.target.name);
          counts.done += 1;
          if (event.outcome.result === 'failed') {
            counts.failed += 1;
            multi!.log(`${outcomeLine(event.outcome)}\n`);
          }
          overall!.update(counts.done, { bar: true, text: waveText(phase, event.outcome.wave, overall!.getTotal(), counts) });
          return;
        }
        case 'wave-done':
          stopBars();
          if (event.halted) io.stderr(`pgtandem: wave ${event.wave.index + 1} stopped: ${failed(event.outcomes)} of its targets failed (maxFailures ${event.wave.maxFailures})\n`);
          return;
      }
    },
    stop: stopBars,
  };
}

function waveText(phase: Phase, wave: { index: number } | number, total: number, counts: { done: number; failed: number }): string {
  const number = typeof wave === 'number' ? wave : wave.index + 1;
  return `${phase} wave ${number}: ${counts.done}/${total} targets${counts.failed > 0 ? `, ${counts.failed} failed` : ''}`;
}

/** What a running target does now, in a few words. */
function describeRunnerEvent(event: RunnerEvent): string | undefined {
  switch (event.type) {
    case 'phase-start':
      return `${event.phase} ${event.migration.version}_${event.migration.name}`;
    case 'backfill-progress': {
      const p = event.progress;
      const share = p.estimatedTotal ? ` (~${Math.min(100, Math.round((100 * p.rowsScanned) / p.estimatedTotal))}%)` : '';
      return `backfill ${p.table}: ${p.rowsDone.toLocaleString('en-US')} rows${share}`;
    }
    case 'backfill-paused':
      return `backfill paused: ${event.pause.reasons.join('; ')}`;
    case 'lock-retry':
      return `waiting for a lock (retry ${event.notice.attempt})`;
    case 'guard-waiting':
      return 'waiting for old-release sessions to go';
    default:
      return undefined;
  }
}

const MARK: Record<TargetResult, string> = { ok: '✓', skipped: '·', failed: '✗', interrupted: '!', 'not-reached': ' ' };

function outcomeLine(outcome: TargetOutcome): string {
  const what =
    outcome.result === 'ok'
      ? `${outcome.migrations} migration${outcome.migrations === 1 ? '' : 's'}`
      : outcome.result === 'skipped'
        ? (outcome.note ?? 'nothing to do')
        : outcome.result === 'not-reached'
          ? 'not reached'
          : `${outcome.result}: ${outcome.error}`;
  return `${MARK[outcome.result]} ${outcome.target.name} (${outcome.target.where}) ${what} · ${formatDuration(outcome.ms)}`;
}

function failed(outcomes: readonly TargetOutcome[]): number {
  return outcomes.filter((o) => o.result === 'failed').length;
}

const SLOWEST = 5;
const LISTED_FAILURES = 20;

/** The end of a fleet run: per wave, how many targets ended how, then the failures with their reasons and the slowest targets. */
export function formatFleetSummary(phase: Phase, result: FleetRunResult, ms: number): string {
  const results: TargetResult[] = ['ok', 'failed', 'skipped', 'interrupted', 'not-reached'];
  const header = ['WAVE', 'TARGETS', 'OK', 'FAILED', 'SKIPPED', 'INTERRUPTED', 'NOT REACHED', 'SLOWEST'];
  const rows = result.waves.map((run) => {
    const slowest = Math.max(0, ...run.outcomes.map((o) => o.ms));
    return [describeWave(run.wave).replace(/, \d+ targets?\)$/, ')'), String(run.outcomes.length), ...results.map((r) => String(run.outcomes.filter((o) => o.result === r).length)), formatDuration(slowest)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const all = result.waves.flatMap((r) => r.outcomes);
  const failures = all.filter((o) => o.result === 'failed' || o.result === 'interrupted');
  const out = [`\n${phase} across ${all.length} target${all.length === 1 ? '' : 's'} in ${formatDuration(ms)}:`, line(header), ...rows.map(line)];
  if (failures.length > 0) {
    out.push('', `${failures.length} target${failures.length === 1 ? '' : 's'} did not finish (rerun to resume them; the others have nothing left to do):`);
    out.push(...failures.slice(0, LISTED_FAILURES).map((o) => `  ${o.target.name} (${o.target.where}): ${o.result === 'failed' ? o.error : `interrupted: ${o.error}`}`));
    if (failures.length > LISTED_FAILURES) out.push(`  … and ${failures.length - LISTED_FAILURES} more (--format json lists every target)`);
  }
  const ran = all.filter((o) => o.result === 'ok').sort((a, b) => b.ms - a.ms);
  if (ran.length > 1) out.push('', `Slowest: ${ran.slice(0, SLOWEST).map((o) => `${o.target.name} ${formatDuration(o.ms)}`).join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** The run for CI: every target's outcome, without credentials. */
export function fleetResultJson(phase: Phase, fleet: string, result: FleetRunResult, ms: number): unknown {
  const all = result.waves.flatMap((r) => r.outcomes);
  const count = (r: TargetResult): number => all.filter((o) => o.result === r).length;
  return {
    phase,
    fleet,
    ms,
    ...(result.stopped ? { stopped: result.stopped } : {}),
    summary: { targets: all.length, ok: count('ok'), failed: count('failed'), skipped: count('skipped'), interrupted: count('interrupted'), notReached: count('not-reached') },
    waves: result.waves.map((run) => ({
      wave: run.wave.index + 1,
      name: run.wave.spec.name,
      select: run.wave.spec.select,
      maxFailures: run.wave.maxFailures,
      halted: run.halted,
      targets: run.outcomes.map((o) => ({
        name: o.target.name,
        where: o.target.where,
        ...(o.target.schema !== undefined ? { schema: o.target.schema } : {}),
        labels: o.target.labels,
        result: o.result,
        ms: o.ms,
        migrations: o.migrations,
        ...(o.error !== undefined ? { error: o.error } : {}),
        ...(o.note !== undefined ? { note: o.note } : {}),
      })),
    })),
  };
}
