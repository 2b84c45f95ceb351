// What each idea buys the backfill, without traffic: the benchmark's change on fresh
// copies of the same table, `pgtandem migrate` timed per variant, against one unbatched
// UPDATE of the plain table and of the expanded one in the same run.
//   npm run build && node bench/rollout/backfill-variants.mjs [--rows N] [--only a,b]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { copyDataset, createDataset, dropDatabase, withClient } from './dataset.mjs';
import { startEmbeddedServer } from './embedded-server.mjs';
import { backfillVariants } from './schema-change.mjs';
import { measureSingleUpdate } from './single-update.mjs';

const CLI = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));
const { values } = parseArgs({ options: { rows: { type: 'string', default: '400000' }, only: { type: 'string' }, reps: { type: 'string', default: '1' } } });
const reps = Number(values.reps);
const rows = Number(values.rows);
const only = values.only?.split('|');
const log = (m) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const server = await startEmbeddedServer();
try {
  log(`loading ${rows} orders`);
  await createDataset(server.url, rows);
  const anchor = await measureSingleUpdate(server.url);
  log(`anchor: plain ${Math.round(anchor.rowsPerSecond)} rows/s, after expand ${Math.round(anchor.onExpandedSchema.rowsPerSecond)} rows/s`);
  const results = [];
  // Round-robin over the variants, so a load spike from elsewhere on the machine hits them alike.
  const chosen = backfillVariants.filter((v) => !only || only.includes(v.name));
  for (const variant of Array.from({ length: reps }, () => chosen).flat()) {
    const url = await copyDataset(server.url, 'bench_variant');
    const dir = mkdtempSync(join(tmpdir(), 'pgtandem-variant-'));
    try {
      writeFileSync(join(dir, '20261126000001_orders_number.sql'), variant.migration);
      writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify(variant.config ?? {}));
      await cli(['expand', '--dir', dir], url, dir);
      const from = performance.now();
      const output = await cli(['migrate', '--dir', dir], url, dir);
      const pauses = output.split('\n').filter((l) => l.includes('backfill paused'));
      const ms = performance.now() - from;
      const left = await withClient(url, (c) => c.query('SELECT count(*)::int AS n FROM orders WHERE number IS NULL'));
      const result = {
        variant: variant.name,
        what: variant.what,
        ms: Math.round(ms),
        rowsPerSecond: Math.round(rows / (ms / 1000)),
        vsPlain: +(rows / (ms / 1000) / anchor.rowsPerSecond).toFixed(3),
        vsExpanded: +(rows / (ms / 1000) / anchor.onExpandedSchema.rowsPerSecond).toFixed(3),
        left: left.rows[0].n,
        pauses: pauses.length,
        firstPause: pauses[0]?.replace(/^.*backfill paused/, 'paused'),
        batches: Number(/in ([\d,]+) batches, done/.exec(output)?.[1]?.replaceAll(',', '') ?? NaN),
      };
      results.push(result);
      log(JSON.stringify(result));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dropDatabase(server.url, 'bench_variant');
    }
  }
  const median = (list) => list.sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
  const summary = chosen.map((v) => {
    const mine = results.filter((r) => r.variant === v.name);
    const ms = median(mine.map((r) => r.ms));
    return { variant: v.name, what: v.what, medianMs: ms, runsMs: mine.map((r) => r.ms), vsPlain: +(rows / (ms / 1000) / anchor.rowsPerSecond).toFixed(3), pauses: mine.map((r) => r.pauses) };
  });
  for (const line of summary) log(`${line.variant.padEnd(22)} median ${line.medianMs} ms of ${line.runsMs.join(', ')}  → ${Math.round(line.vsPlain * 100)}% of the plain UPDATE`);
  console.log(JSON.stringify({ rows, reps, anchor: { plain: Math.round(anchor.rowsPerSecond), expanded: Math.round(anchor.onExpandedSchema.rowsPerSecond) }, summary, results }, null, 2));
} finally {
  await server.stop();
}

function cli(args, url, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (c) => (stderr += c));
    child.once('close', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`${args[0]} exited ${code}: ${stderr.slice(-500)}`))));
  });
}
