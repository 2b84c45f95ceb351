// The plain-text summary printed at the end of a run.

const ms = (v) => (v === null || v === undefined ? '–' : `${v >= 100 ? Math.round(v) : v.toFixed(1)} ms`);
const int = (v) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));
const pad = (text, width) => String(text).padEnd(width);
const lpad = (text, width) => String(text).padStart(width);

/** p99 ÷ idle p99 in one window of the migrate phase, with the window's p99. */
function windowRatio(run, index) {
  const w = run.backfillWindows?.[index];
  return w && w.p99VsIdle !== null ? `${w.p99VsIdle}× (p99 ${ms(w.p99)}, ${int(w.requests)} requests)` : '–';
}

export function formatSummary(results) {
  const { runs, singleUpdate } = results;
  const lines = [];
  lines.push(`${results.rows.toLocaleString('en-US')} orders, ${results.clients} clients at ${results.rate} req/s, ${results.cores} cores, ${results.postgres}`);
  // The machine may be shared: the 1-minute load average when the run started and ended.
  if (results.load) lines.push(`load average ${results.load.start.toFixed(1)} at the start, ${results.load.end.toFixed(1)} at the end`);
  if (results.serverSettings?.length) lines.push(`server settings: ${results.serverSettings.join(' ')}`);
  if (results.config) lines.push(`pgtandem config: ${JSON.stringify(results.config)}`);
  lines.push(`single unbatched UPDATE (anchor): ${int(singleUpdate.rowsPerSecond)} rows/s (${int(singleUpdate.rows)} rows in ${ms(singleUpdate.ms)})`);
  const expanded = singleUpdate.onExpandedSchema;
  lines.push(`  the same UPDATE after expand (what expand added to orders): ${int(expanded.rowsPerSecond)} rows/s (${Math.round((expanded.rowsPerSecond / singleUpdate.rowsPerSecond) * 100)}% of the anchor)`);
  if (results.singleUpdateAfter) lines.push(`  the anchor again after both runs: ${int(results.singleUpdateAfter.rowsPerSecond)} rows/s (${Math.round((results.singleUpdateAfter.rowsPerSecond / singleUpdate.rowsPerSecond) * 100)}% of the first)`);
  lines.push('');
  const rows = [
    ['', ...runs.map((r) => r.name)],
    ['failed requests', ...runs.map((r) => `${int(r.failedRequests)} of ${int(r.requests)}`)],
    ['longest stall', ...runs.map((r) => `${ms(r.longestStall.ms)} (${r.longestStall.phase ?? '–'})`)],
    ['idle p50 / p99', ...runs.map((r) => (r.idle ? `${ms(r.idle.p50)} / ${ms(r.idle.p99)}` : '–'))],
    ['backfill p99 / idle p99', ...runs.map((r) => (r.targets.backfillP99VsIdle ? `${r.targets.backfillP99VsIdle.value}×` : '–'))],
    ['… while its batches ran', ...runs.map((r) => windowRatio(r, 0))],
    ['… after them (index builds)', ...runs.map((r) => windowRatio(r, 1))],
    ['backfill rows/s', ...runs.map((r) => (r.backfill ? int(r.backfill.rowsPerSecond) : '–'))],
    ['backfill / single UPDATE', ...runs.map((r) => (r.backfill ? `${Math.round(r.backfill.ratioToSingleUpdate * 100)}%` : '–'))],
    ['backfill / UPDATE after expand', ...runs.map((r) => (r.backfill ? `${Math.round((r.backfill.rowsPerSecond / singleUpdate.onExpandedSchema.rowsPerSecond) * 100)}%` : '–'))],
    ...(results.singleUpdateAfter
      ? [['backfill / the anchor after the runs', ...runs.map((r) => (r.backfill ? `${Math.round((r.backfill.rowsPerSecond / results.singleUpdateAfter.rowsPerSecond) * 100)}%` : '–'))]]
      : []),
    ['… until its last row changed', ...runs.map((r) => (r.backfill?.untilLastChange ? `${int(r.backfill.untilLastChange.rowsPerSecond)} (${Math.round(r.backfill.untilLastChange.ratioToSingleUpdate * 100)}%)` : '–'))],
    ['rows left unfilled', ...runs.map((r) => (r.backfill?.rowsLeftNull === undefined ? '–' : int(r.backfill.rowsLeftNull)))],
    ['schema change time', ...runs.map((r) => ms(r.changeMs))],
    ['total run time', ...runs.map((r) => ms(r.totalMs))],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)) + 2);
  for (const row of rows) lines.push(row.map((cell, i) => pad(cell, widths[i])).join('').trimEnd());

  for (const run of runs) {
    lines.push('');
    lines.push(`${run.name}${run.failure ? `: RUN FAILED: ${run.failure}` : ''}`);
    lines.push(`  ${pad('phase', 20)}${lpad('requests', 9)}${lpad('failed', 8)}${lpad('p50', 11)}${lpad('p99', 11)}${lpad('max', 11)}`);
    for (const p of run.phases) {
      lines.push(`  ${pad(p.label, 20)}${lpad(int(p.requests), 9)}${lpad(int(p.failed), 8)}${lpad(ms(p.p50), 11)}${lpad(ms(p.p99), 11)}${lpad(ms(p.max), 11)}`);
    }
    for (const step of run.steps ?? []) lines.push(`  step ${pad(step.label, 16)}${lpad(ms(step.ms), 12)}${step.rows ? `  ${int(step.rows)} rows` : ''}`);
    for (const e of run.errors.slice(0, 8)) lines.push(`  ${lpad(int(e.count), 7)} × ${e.release}: ${e.message} [${e.phases.join(', ')}]`);
    if (run.errors.length > 8) lines.push(`  … ${run.errors.length - 8} more kinds of error (results.json)`);
    const targets = Object.entries(run.targets).filter(([, t]) => t);
    lines.push(`  targets: ${targets.map(([name, t]) => `${name} ${t.value} (${t.target}) ${t.met ? 'met' : 'NOT met'}`).join('; ')}`);
  }
  const [a, b] = runs.map((r) => r.finalSchema?.join('\n'));
  if (a && b) lines.push('', `final schema of orders identical in both runs: ${a === b ? 'yes' : 'NO'}`);
  return lines.join('\n');
}
