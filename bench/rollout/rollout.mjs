// Blast radius, measured: the same schema change made the naive way and the
// pgtandem way while a simulated app shifts from v1 to v2 (1% → 5% → 25% → 100%).
//   npm run bench:rollout [-- --rows N --out <dir> --rate R --clients C --stage-ms MS --config '<json>' --server-setting name=value …]
// --config: the runner's pgtandem.config.json for the pgtandem run (default: none, the runner's defaults).
// --server-setting: a PostgreSQL setting for the whole server, repeatable (e.g. fsync=off, to see what
// the disk's flushes cost the app's commits); the summary prints them.
// Prints a summary and writes results.json, rollout.svg and rollout.html to --out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDataset, withClient } from './dataset.mjs';
import { startEmbeddedServer } from './embedded-server.mjs';
import { formatSummary } from './format-summary.mjs';
import { latencySvg } from './latency-svg.mjs';
import { naiveStatements, nativeMigration } from './schema-change.mjs';
import { runNaive } from './naive-run.mjs';
import { LOCK_TIMEOUT_MS, runPgtandem } from './pgtandem-run.mjs';
import { reportHtml } from './report-html.mjs';
import { measureSingleUpdate } from './single-update.mjs';
import { summarizeRun } from './summarize-run.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000000' },
    out: { type: 'string', default: fileURLToPath(new URL('out/', import.meta.url)) },
    rate: { type: 'string', default: '400' },
    clients: { type: 'string', default: '8' },
    'stage-ms': { type: 'string' },
    config: { type: 'string' },
    'server-setting': { type: 'string', multiple: true, default: [] },
  },
});
const rows = wholeNumber('rows', values.rows);
const options = {
  rows,
  rate: wholeNumber('rate', values.rate),
  clients: wholeNumber('clients', values.clients),
  // Long enough for a p99 of the idle baseline to mean something at full size, short for development.
  stageMs: values['stage-ms'] === undefined ? (rows >= 200_000 ? 5000 : 1000) : wholeNumber('stage-ms', values['stage-ms']),
  config: values.config === undefined ? undefined : jsonObject('config', values.config),
};
const serverSettings = values['server-setting'].map(setting);
const out = resolve(values.out);

const log = (message) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const started = performance.now();
const loadAtStart = loadavg()[0];
log(`starting an embedded Postgres (${cpus().length} cores)`);
const server = await startEmbeddedServer(serverSettings);
// Ctrl-C: the server and its temp dir go too.
process.once('SIGINT', () => {
  log('interrupted: stopping the server');
  server.stop().finally(() => process.exit(130));
});
let results;
try {
  const postgres = await withClient(server.url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
  log(`loading ${rows.toLocaleString('en-US')} orders`);
  const loadMs = await createDataset(server.url, rows);
  log(`loaded in ${(loadMs / 1000).toFixed(1)} s; timing one unbatched UPDATE of the whole table`);
  const singleUpdate = await measureSingleUpdate(server.url);
  log('naive run: one transaction before the deploy');
  const naive = await runNaive(server.url, options);
  log('pgtandem run: expand → canary → migrate → v1 drained → contract');
  const pgtandem = await runPgtandem(server.url, options);
  // Again once both runs are done: on a shared machine the load drifts, and the two anchors bound what it did to the ratios.
  log('timing the unbatched UPDATE again (the load may have changed)');
  const singleUpdateAfter = await measureSingleUpdate(server.url, { plainOnly: true });
  results = {
    version: 1,
    date: new Date().toISOString(),
    rows,
    clients: options.clients,
    rate: options.rate,
    stageMs: options.stageMs,
    ...(options.config ? { config: options.config } : {}),
    ...(serverSettings.length ? { serverSettings } : {}),
    cores: cpus().length,
    load: { start: loadAtStart, end: loadavg()[0] },
    node: process.version,
    postgres: `PostgreSQL ${postgres}`,
    lockTimeoutMs: LOCK_TIMEOUT_MS,
    definitions: {
      latency: 'from sending a request to its result, per request; clients are paced (rate / clients per second each) and do not catch up after a stall',
      longestStall: 'the longest any single request waited, failed or not',
      idle: 'v1 only, no schema change running: the baseline',
      backfillRowsPerSecond:
        'naive: rows of its UPDATE / its duration; pgtandem: rows with number NULL before migrate / wall time of `pgtandem migrate` (CLI start included); untilLastChange: rows / time until the saved cursor last counted a changed row',
      singleUpdate: 'one unbatched UPDATE of the whole table on a fresh copy, no traffic; onExpandedSchema: the same after expand (its trigger, and any index it builds); singleUpdateAfter: the plain one again after both runs (the targets use the first)',
    },
    loadMs: Math.round(loadMs),
    singleUpdate,
    singleUpdateAfter,
    runs: [summarizeRun('naive', naive, singleUpdate, LOCK_TIMEOUT_MS), summarizeRun('pgtandem', pgtandem, singleUpdate, LOCK_TIMEOUT_MS)],
    migrations: { naive: naiveStatements.map((s) => `${s.sql};`).join('\n'), pgtandem: nativeMigration },
  };
  mkdirSync(out, { recursive: true });
  const svg = latencySvg({ naive, pgtandem }, results);
  writeFileSync(resolve(out, 'rollout.svg'), svg);
  writeFileSync(resolve(out, 'rollout.html'), reportHtml(svg, results));
  // Every request, compactly: the picture can be redrawn from results.json alone.
  const requests = Object.fromEntries(
    Object.entries({ naive, pgtandem }).map(([name, run]) => [name, run.records.map((r) => [Math.round(r.t), Math.round(r.ms * 100) / 100, r.release, r.kind, r.error ?? null])]),
  );
  writeFileSync(resolve(out, 'results.json'), `${JSON.stringify({ ...results, requests: { columns: ['t_ms', 'latency_ms', 'release', 'kind', 'error'], ...requests } })}\n`);
} finally {
  await server.stop();
}
console.log(formatSummary(results));
console.log(`\nwrote ${resolve(out, 'results.json')}, rollout.svg, rollout.html (${((performance.now() - started) / 1000).toFixed(0)} s in all)`);
process.exitCode = results.runs.some((r) => r.failure) ? 1 : 0;

function jsonObject(name, text) {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // Reported below.
  }
  console.error(`--${name} must be a JSON object such as '{"batchDelayMs": 0}', got ${text}`);
  process.exit(2);
}

function setting(text) {
  if (/^[a-z_][a-z0-9_.]*=\S+$/i.test(text)) return text;
  console.error(`--server-setting must be name=value, such as fsync=off, got ${text}`);
  process.exit(2);
}

function wholeNumber(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a whole number ≥ 1, got ${text}`);
    process.exit(2);
  }
  return value;
}
