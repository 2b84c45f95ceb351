// Request latency over time for both runs, stacked on one time axis: phases
// shaded and labelled, log-scale latency, failed requests in red. Hand-written
// SVG, downsampled per pixel column so the file stays small at any size.

const WIDTH = 1000;
const LEFT = 64;
const RIGHT = 16;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const PANEL_HEIGHT = 250;
const TITLE = 34;
const LABELS = 36;
const ERROR_TRACK = 14;
const PLOT_HEIGHT = PANEL_HEIGHT - TITLE - LABELS - ERROR_TRACK - 24;
const MIN_MS = 0.1;
const COLORS = { v1: '#2f6db5', v2: '#e08a00', error: '#d62728' };
const PHASE_FILL = { idle: '#f2f2f2', change: '#fde2c8', migrate: '#dcefd9', contract: '#e6defa', 'v2-only': '#fbf3da', after: '#f2f2f2' };

/**
 * @param {Record<string, { phases: { name: string, label: string, start: number, end: number }[], records: { t: number, ms: number, release: string, error?: string }[] }>} runs
 * @param {{ runs: { name: string, failedRequests: number, longestStall: { ms: number } }[], rows: number, cores: number }} results
 */
export function latencySvg(runs, results) {
  const entries = Object.entries(runs);
  const seconds = Math.max(...entries.map(([, run]) => run.phases.at(-1)?.end ?? 0)) / 1000;
  // A loop, not a spread: a 10M-row run has more requests than a call's argument list takes.
  let slowest = 1000;
  for (const [, run] of entries) for (const r of run.records) if (r.ms > slowest) slowest = r.ms;
  const maxMs = 10 ** Math.ceil(Math.log10(slowest));
  const x = (ms) => LEFT + (ms / 1000 / seconds) * PLOT_WIDTH;
  const y = (ms) => {
    const f = (Math.log10(Math.max(ms, MIN_MS)) - Math.log10(MIN_MS)) / (Math.log10(maxMs) - Math.log10(MIN_MS));
    return PLOT_HEIGHT * (1 - f);
  };
  const legendHeight = 44;
  const height = entries.length * PANEL_HEIGHT + legendHeight + 24;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
  ];
  entries.forEach(([name, run], i) => {
    const summary = results.runs.find((r) => r.name === name);
    parts.push(panel(name, run, summary, { top: i * PANEL_HEIGHT, x, y, maxMs, seconds }));
  });
  parts.push(timeAxis(entries.length * PANEL_HEIGHT, seconds, x));
  parts.push(legend(entries.length * PANEL_HEIGHT + 24, results));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function panel(name, run, summary, { top, x, y, maxMs, seconds }) {
  const plotTop = top + TITLE + LABELS + ERROR_TRACK;
  const failed = summary.failedRequests;
  const title = `${name}: ${failed.toLocaleString('en-US')} failed request${failed === 1 ? '' : 's'}, longest stall ${formatMs(summary.longestStall.ms)}`;
  const out = [`<g>`, `<text x="${LEFT}" y="${top + 20}" font-size="14" font-weight="600">${escape(title)}</text>`];
  // Phases: shaded bands, labels on three rows in turn so short phases do not overlap.
  run.phases.forEach((p, i) => {
    const x0 = x(p.start);
    const w = Math.max(1, x(p.end) - x0);
    const fill = PHASE_FILL[p.name] ?? (i % 2 ? '#e8f1fb' : '#f5f9fd');
    out.push(`<rect x="${f(x0)}" y="${top + TITLE}" width="${f(w)}" height="${LABELS + ERROR_TRACK + PLOT_HEIGHT}" fill="${fill}"/>`);
    out.push(`<line x1="${f(x0)}" x2="${f(x0)}" y1="${top + TITLE}" y2="${plotTop + PLOT_HEIGHT}" stroke="#bbb" stroke-width="0.5"/>`);
  });
  run.phases.forEach((p, i) => {
    out.push(`<text x="${f(x(p.start) + 2)}" y="${top + TITLE + 11 + (i % 3) * 11}" fill="#444">${escape(p.label)}</text>`);
  });
  // Latency gridlines, one per decade.
  for (let ms = MIN_MS; ms <= maxMs * 1.0001; ms *= 10) {
    const gy = plotTop + y(ms);
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${f(gy)}" y2="${f(gy)}" stroke="#ccc" stroke-width="0.5"/>`);
    out.push(`<text x="${LEFT - 6}" y="${f(gy + 4)}" text-anchor="end" fill="#555">${formatMs(ms)}</text>`);
  }
  out.push(`<text x="14" y="${f(plotTop + PLOT_HEIGHT / 2)}" transform="rotate(-90 14 ${f(plotTop + PLOT_HEIGHT / 2)})" text-anchor="middle" fill="#555">latency (log)</text>`);
  out.push(`<text x="${LEFT - 6}" y="${plotTop - 7}" text-anchor="end" fill="${COLORS.error}">errors</text>`);

  const columns = bucketed(run.records, x);
  for (const release of ['v1', 'v2']) {
    let slowest = '';
    let median = '';
    let pen = 'M';
    for (const [column, byRelease] of columns) {
      const ok = byRelease[release]?.ok;
      if (!ok?.length) {
        pen = 'M';
        continue;
      }
      ok.sort((a, b) => a - b);
      slowest += `M${column} ${f(plotTop + y(ok.at(-1)))}h1`;
      median += `${pen}${column} ${f(plotTop + y(ok[Math.floor(ok.length / 2)]))}`;
      pen = 'L';
    }
    out.push(`<path d="${slowest}" stroke="${COLORS[release]}" stroke-width="2.2" stroke-linecap="round" opacity="0.75"/>`);
    out.push(`<path d="${median}" fill="none" stroke="${COLORS[release]}" stroke-width="1.2"/>`);
  }
  // A request longer than two pixel columns is drawn as a bar from its start to its end, at its
  // latency: a stall then reads as what it is, every client blocked for that long.
  const columnMs = (1000 * seconds) / PLOT_WIDTH;
  for (const r of run.records) {
    if (r.ms < 2 * columnMs) continue;
    const color = r.error === undefined ? COLORS[r.release] : COLORS.error;
    out.push(`<line x1="${f(x(r.t))}" x2="${f(x(r.t + r.ms))}" y1="${f(plotTop + y(r.ms))}" y2="${f(plotTop + y(r.ms))}" stroke="${color}" stroke-width="2" opacity="0.6"/>`);
  }
  // Failed requests: a red dot at their latency and a bar in the error track, darker for more.
  let errorDots = '';
  for (const [column, byRelease] of columns) {
    const errors = [...(byRelease.v1?.errors ?? []), ...(byRelease.v2?.errors ?? [])];
    if (errors.length === 0) continue;
    errorDots += `M${column} ${f(plotTop + y(Math.max(...errors)))}h1`;
    const opacity = Math.min(1, 0.35 + Math.log10(errors.length) / 2);
    out.push(`<rect x="${column - 0.5}" y="${plotTop - ERROR_TRACK - 2}" width="2" height="${ERROR_TRACK - 4}" fill="${COLORS.error}" opacity="${opacity.toFixed(2)}"/>`);
  }
  if (errorDots) out.push(`<path d="${errorDots}" stroke="${COLORS.error}" stroke-width="2.6" stroke-linecap="round"/>`);
  out.push(`<rect x="${LEFT}" y="${plotTop}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}" fill="none" stroke="#999" stroke-width="0.5"/>`);
  out.push('</g>');
  return out.join('\n');
}

/** Requests per pixel column and release: latencies of the successful ones and of the failed ones. */
function bucketed(records, x) {
  const columns = new Map();
  for (const r of records) {
    const column = Math.round(x(r.t));
    const byRelease = columns.get(column) ?? {};
    const bucket = (byRelease[r.release] ??= { ok: [], errors: [] });
    (r.error === undefined ? bucket.ok : bucket.errors).push(r.ms);
    columns.set(column, byRelease);
  }
  return [...columns.entries()].sort((a, b) => a[0] - b[0]);
}

function timeAxis(top, seconds, x) {
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => seconds / s <= 12) ?? 600;
  const out = [];
  for (let s = 0; s <= seconds; s += step) {
    out.push(`<text x="${f(x(s * 1000))}" y="${top + 4}" text-anchor="middle" fill="#555">${s} s</text>`);
  }
  return out.join('\n');
}

function legend(top, results) {
  const items = [
    [COLORS.v1, 'v1 requests'],
    [COLORS.v2, 'v2 requests'],
    [COLORS.error, 'failed requests'],
  ];
  const out = items.map(([color, label], i) => `<circle cx="${LEFT + 6 + i * 130}" cy="${top}" r="4" fill="${color}"/><text x="${LEFT + 14 + i * 130}" y="${top + 4}">${label}</text>`);
  const note = `dots: slowest request per pixel column; line: median; bars: requests longer than 2 columns, start to end. ${results.rows.toLocaleString('en-US')} rows, ${results.clients} clients, ${results.rate} req/s, ${results.cores} cores`;
  out.push(`<text x="${LEFT}" y="${top + 20}" fill="#555">${escape(note)}</text>`);
  return out.join('\n');
}

function formatMs(ms) {
  if (ms >= 1000) return `${+(ms / 1000).toFixed(ms >= 10000 ? 0 : 1)} s`;
  return `${+ms.toFixed(ms >= 10 ? 0 : 1)} ms`;
}

const f = (n) => (Math.round(n * 10) / 10).toString();

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
