import cliProgress from 'cli-progress';
import type { BackfillProgress } from '../runner/backfill/backfill.js';

export interface BackfillProgressOutput {
  /** Where progress goes (the migrate command passes stderr: stdout stays for results). */
  stream: NodeJS.WritableStream;
  /** A live bar on a terminal; otherwise one log line every `intervalMs`. */
  isTTY: boolean;
  /** What is being backfilled, e.g. the migration's file name; defaults to the table. */
  label?: string;
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Feed it `runBackfill`'s `onProgress` events; call `stop()` when the backfill ends or fails. */
export interface BackfillProgressReporter {
  onProgress(progress: BackfillProgress): void;
  /** Why the backfill waits (health throttling), shown on the bar until undefined. */
  onPause(reason: string | undefined): void;
  stop(): void;
}

/**
 * Shows a backfill's progress: rows walked against the table's estimated size
 * (`reltuples`, hence "~"), rows changed, rows per second and the time left.
 * Only table names and counts are printed — never a connection string.
 */
export function createBackfillProgress(output: BackfillProgressOutput): BackfillProgressReporter {
  return output.isTTY ? barReporter(output) : lineReporter(output);
}

function barReporter(output: BackfillProgressOutput): BackfillProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let last: BackfillProgress | undefined;
  return {
    onPause(reason) {
      if (!bar || !last) return;
      const text = describeBackfillProgress(last, output.label, false);
      bar.update(last.rowsScanned, { text: reason ? `${text} · ${reason}` : text });
    },
    onProgress(progress) {
      last = progress;
      const total = totalOf(progress);
      const payload = { text: describeBackfillProgress(progress, output.label, false) };
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: output.stream,
            format: (options, params, data: { text: string }) => `${cliProgress.Format.BarFormat(params.progress, options)} ${data.text}`,
            barsize: 24,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, progress.rowsScanned, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(progress.rowsScanned, payload);
    },
    stop() {
      if (!bar) return;
      if (last) bar.update(last.rowsScanned, { text: describeBackfillProgress(last, output.label, last.done) });
      bar.stop();
      bar = undefined;
    },
  };
}

function lineReporter(output: BackfillProgressOutput): BackfillProgressReporter {
  const now = output.now ?? Date.now;
  const interval = output.intervalMs ?? 5000;
  let lastPrinted: number | undefined;
  let pending: BackfillProgress | undefined;
  const print = (progress: BackfillProgress): void => {
    output.stream.write(`${describeBackfillProgress(progress, output.label, progress.done)}\n`);
    lastPrinted = now();
    pending = undefined;
  };
  return {
    // The CLI logs pauses itself when there is no bar.
    onPause() {},
    onProgress(progress) {
      pending = progress;
      // The first batch, the last one, and one line per interval in between.
      if (lastPrinted === undefined || progress.done || now() - lastPrinted >= interval) print(progress);
    },
    stop() {
      if (pending) print(pending);
    },
  };
}

/** The bar's 100%: the estimate, or what was walked so far when the estimate is missing or already passed. */
function totalOf(progress: BackfillProgress): number {
  return Math.max(progress.estimatedTotal ?? 0, progress.rowsScanned, 1);
}

/** `backfill public.users: 12,000 rows changed · 14,000 of ~20,000 walked (70%) · 3,100 rows/s · batch 1,000 · ETA 2s` */
export function describeBackfillProgress(progress: BackfillProgress, label: string | undefined, finished: boolean): string {
  const head = `backfill ${label ?? progress.table}:`;
  const changed = `${count(progress.rowsDone)} rows changed`;
  if (finished) return `${head} ${changed} in ${count(progress.batches)} batches, done`;
  const estimate = progress.estimatedTotal;
  const walked =
    estimate === undefined
      ? `${count(progress.rowsScanned)} walked`
      : `${count(progress.rowsScanned)} of ~${count(estimate)} walked (${Math.min(100, Math.floor((100 * progress.rowsScanned) / Math.max(estimate, 1)))}%)`;
  const parts = [changed, walked, `${count(Math.round(progress.rowsPerSecond))} rows/s`, `batch ${count(progress.batchSize)}`];
  const eta = etaSeconds(progress);
  if (eta !== undefined) parts.push(`ETA ${duration(eta)}`);
  return `${head} ${parts.join(' · ')}`;
}

function etaSeconds(progress: BackfillProgress): number | undefined {
  if (progress.estimatedTotal === undefined || progress.scannedPerSecond <= 0) return undefined;
  return Math.max(0, progress.estimatedTotal - progress.rowsScanned) / progress.scannedPerSecond;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
