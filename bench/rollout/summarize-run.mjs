// Figures of one run: latency per phase, failures grouped by message, the
// longest stall, backfill throughput, and the four targets (reported, not asserted).

/** The phase whose latency the "p99 during backfill" target reads, per run. */
const BACKFILL_PHASE = { naive: 'change', pgtandem: 'migrate' };

/**
 * @param {'naive' | 'pgtandem'} name
 * @param {Awaited<ReturnType<typeof import('./with-rollout.mjs').withRollout>>} run
 * @param {{ rowsPerSecond: number }} singleUpdate the anchor
 */
export function summarizeRun(name, run, singleUpdate, lockTimeoutMs) {
  const { records, phases, result } = run;
  const phaseStats = phases.map((p) => ({
    name: p.name,
    label: p.label,
    startMs: round(p.start),
    endMs: round(p.end),
    ...latency(records.filter((r) => r.phase === p.name)),
  }));
  const idle = phaseStats.find((p) => p.name === 'idle');
  const during = phaseStats.find((p) => p.name === BACKFILL_PHASE[name]);
  const stall = records.reduce((worst, r) => (r.ms > worst.ms ? r : worst), { ms: 0 });
  const failed = records.filter((r) => r.error !== undefined);
  const backfill = result?.backfill && { ...result.backfill, ratioToSingleUpdate: result.backfill.rowsPerSecond / singleUpdate.rowsPerSecond };
  if (backfill?.untilLastChange) backfill.untilLastChange.ratioToSingleUpdate = backfill.untilLastChange.rowsPerSecond / singleUpdate.rowsPerSecond;
  const windows = backfillWindows(records, phases.find((p) => p.name === BACKFILL_PHASE[name]), backfill?.untilLastChange, idle);
  const summary = {
    name,
    failure: run.failure,
    requests: records.length,
    failedRequests: failed.length,
    errors: groupErrors(failed),
    idle: idle && pick(idle),
    phases: phaseStats,
    longestStall: { ms: round(stall.ms), phase: stall.phase, release: stall.release, kind: stall.kind, client: stall.client },
    backfill,
    ...(windows ? { backfillWindows: windows } : {}),
    changeMs: result && round(result.changeMs),
    totalMs: round(phases.at(-1)?.end ?? 0),
    steps: result?.steps.map((s) => ({ label: s.label, ms: round(s.ms), ...(s.rows === undefined ? {} : { rows: s.rows }), ...(s.output ? { output: s.output } : {}) })),
    finalSchema: run.finalSchema,
  };
  summary.targets = {
    noFailedRequests: { value: failed.length, target: 0, met: failed.length === 0 },
    longestStallMs: { value: round(stall.ms), target: `< ${lockTimeoutMs + 100}`, met: stall.ms < lockTimeoutMs + 100 },
    backfillP99VsIdle: during && idle ? ratioTarget(during.p99 / idle.p99, 2, '≤') : undefined,
    backfillVsSingleUpdate: backfill ? ratioTarget(backfill.ratioToSingleUpdate, 0.5, '≥') : undefined,
  };
  return summary;
}

/**
 * pgtandem's migrate phase split where the backfill's last row changed: the
 * batches, then what migrate runs after them (the index builds). The split
 * point is read by the watcher, which starts a few ms after the phase does.
 */
function backfillWindows(records, phase, untilLastChange, idle) {
  if (!phase || !untilLastChange || !idle?.p99) return undefined;
  const split = phase.start + untilLastChange.ms;
  const during = records.filter((r) => r.phase === phase.name);
  const window = (rs, label) => {
    const stats = latency(rs);
    return { label, ...stats, p99VsIdle: stats.p99 === null ? null : Math.round((stats.p99 / idle.p99) * 100) / 100 };
  };
  return [window(during.filter((r) => r.t < split), 'batches'), window(during.filter((r) => r.t >= split), 'after the batches (index builds)')];
}

function latency(records) {
  const sorted = records.map((r) => r.ms).sort((a, b) => a - b);
  return {
    requests: records.length,
    failed: records.filter((r) => r.error !== undefined).length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? round(sorted.at(-1)) : null,
  };
}

function pick({ requests, failed, p50, p99, max }) {
  return { requests, failed, p50, p99, max };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

/** Failures grouped by release and message, most frequent first. */
function groupErrors(failed) {
  const groups = new Map();
  for (const r of failed) {
    const key = `${r.release}\u0000${r.error}`;
    const group = groups.get(key) ?? { release: r.release, message: r.error, count: 0, phases: [] };
    group.count++;
    if (!group.phases.includes(r.phase)) group.phases.push(r.phase);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function ratioTarget(value, bound, op) {
  return { value: Math.round(value * 100) / 100, target: `${op} ${bound}`, met: op === '≤' ? value <= bound : value >= bound };
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}
