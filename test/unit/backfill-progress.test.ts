import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createBackfillProgress, describeBackfillProgress } from '../../src/cli/backfill-progress.js';
import type { BackfillProgress } from '../../src/runner/backfill/backfill.js';

function progress(overrides: Partial<BackfillProgress>): BackfillProgress {
  return {
    table: 'public.users',
    rowsDone: 0,
    estimatedTotal: 20_000,
    rowsPerSecond: 0,
    batchSize: 1000,
    batches: 0,
    rowsScanned: 0,
    scannedPerSecond: 0,
    done: false,
    ...overrides,
  };
}

function capture(isTTY: boolean): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream, text: () => text };
}

describe('backfill progress lines', () => {
  it.each([
    [
      'mid-way, with an estimate',
      progress({ rowsDone: 12_000, rowsScanned: 14_000, rowsPerSecond: 3100, scannedPerSecond: 3500 }),
      'backfill public.users: 12,000 rows changed · 14,000 of ~20,000 walked (70%) · 3,100 rows/s · batch 1,000 · ETA 2s',
    ],
    [
      'without an estimate (never analyzed): no percentage, no ETA',
      progress({ estimatedTotal: undefined, rowsDone: 10, rowsScanned: 500, rowsPerSecond: 5, scannedPerSecond: 250 }),
      'backfill public.users: 10 rows changed · 500 walked · 5 rows/s · batch 1,000',
    ],
    [
      'past a stale estimate',
      progress({ estimatedTotal: 100, rowsDone: 300, rowsScanned: 400, rowsPerSecond: 30, scannedPerSecond: 40, batchSize: 37 }),
      'backfill public.users: 300 rows changed · 400 of ~100 walked (100%) · 30 rows/s · batch 37 · ETA 0s',
    ],
    [
      'an hour and more left',
      progress({ estimatedTotal: 10_000_000, rowsScanned: 1000, scannedPerSecond: 1000, rowsPerSecond: 1000, rowsDone: 1000 }),
      'backfill public.users: 1,000 rows changed · 1,000 of ~10,000,000 walked (0%) · 1,000 rows/s · batch 1,000 · ETA 2h46m',
    ],
    ['done', progress({ rowsDone: 18_000, batches: 20, done: true }), 'backfill public.users: 18,000 rows changed in 20 batches, done'],
  ])('%s', (_name, event, expected) => {
    expect(describeBackfillProgress(event, undefined, event.done)).toBe(expected);
  });
});

describe('createBackfillProgress', () => {
  it('off a terminal: the first batch, one line per interval, and the last', () => {
    const out = capture(false);
    let now = 0;
    const reporter = createBackfillProgress({ stream: out.stream, isTTY: false, label: '0002_backfill', intervalMs: 5000, now: () => now });
    for (let batch = 1; batch <= 12; batch++) {
      now = batch * 1000;
      reporter.onProgress(progress({ batches: batch, rowsDone: batch * 1000, rowsScanned: batch * 1000, rowsPerSecond: 1000, scannedPerSecond: 1000 }));
    }
    reporter.onProgress(progress({ batches: 12, rowsDone: 12_000, rowsScanned: 12_000, done: true }));
    reporter.stop();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'backfill 0002_backfill: 1,000 rows changed · 1,000 of ~20,000 walked (5%) · 1,000 rows/s · batch 1,000 · ETA 19s',
      'backfill 0002_backfill: 6,000 rows changed · 6,000 of ~20,000 walked (30%) · 1,000 rows/s · batch 1,000 · ETA 14s',
      'backfill 0002_backfill: 11,000 rows changed · 11,000 of ~20,000 walked (55%) · 1,000 rows/s · batch 1,000 · ETA 9s',
      'backfill 0002_backfill: 12,000 rows changed in 12 batches, done',
    ]);
  });

  it('off a terminal, stopped mid-way (a failure): the last event is printed once', () => {
    const out = capture(false);
    let now = 0;
    const reporter = createBackfillProgress({ stream: out.stream, isTTY: false, now: () => now });
    reporter.onProgress(progress({ batches: 1, rowsDone: 1000, rowsScanned: 1000 }));
    now = 1000;
    reporter.onProgress(progress({ batches: 2, rowsDone: 2000, rowsScanned: 2000 }));
    reporter.stop();
    reporter.stop();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'backfill public.users: 1,000 rows changed · 1,000 of ~20,000 walked (5%) · 0 rows/s · batch 1,000',
      'backfill public.users: 2,000 rows changed · 2,000 of ~20,000 walked (10%) · 0 rows/s · batch 1,000',
    ]);
  });

  it('on a terminal: a bar redrawn in place, ending with the summary', () => {
    const out = capture(true);
    const reporter = createBackfillProgress({ stream: out.stream, isTTY: true });
    reporter.onProgress(progress({ batches: 1, rowsDone: 1000, rowsScanned: 1000, rowsPerSecond: 900, scannedPerSecond: 1000 }));
    reporter.onProgress(progress({ batches: 2, rowsDone: 2000, rowsScanned: 2000, rowsPerSecond: 900, scannedPerSecond: 1000 }));
    reporter.onProgress(progress({ batches: 2, rowsDone: 2000, rowsScanned: 2000, done: true }));
    reporter.stop();
    const text = out.text();
    expect(text).toContain('\u001b[');
    expect(text).toContain('backfill public.users: 1,000 rows changed · 1,000 of ~20,000 walked (5%) · 900 rows/s · batch 1,000 · ETA 19s');
    expect(text).toContain('backfill public.users: 2,000 rows changed in 2 batches, done');
    expect(text).not.toMatch(/postgres(ql)?:\/\//);
  });
});
