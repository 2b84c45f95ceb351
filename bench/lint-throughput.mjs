// Lint throughput on the real-world corpus, against the floor that bounds it:
// libpg-query parsing the same files in the same process.
//   npm run bench:lint [-- <corpus-dir>]
// Prints MB/s and statements/s for both, lint time as a multiple of parse time,
// the process's peak resident memory (the corpus linted three times) and the
// resident memory after each lint pass, which must not grow from pass to pass.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadModule, parseSync } from 'libpg-query';
import { discoverMigrations } from '../dist/src/migrations/discover.js';
import { lint } from '../dist/src/lint/lint.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const corpus = process.argv[2] ?? [join(root, '../shared/corpus'), join(root, 'test/fixtures/corpus-sample')].find((d) => existsSync(d));
await loadModule();

const { migrations } = await discoverMigrations([corpus]);
const bytes = migrations.reduce((n, m) => n + Buffer.byteLength(m.text), 0);
const mb = bytes / 1e6;

function parseAll() {
  let statements = 0;
  for (const m of migrations) {
    try {
      statements += parseSync(readFileSync(m.path, 'utf8')).stmts?.length ?? 0;
    } catch {
      // invalid files count for their bytes only
    }
  }
  return statements;
}

async function lintAll() {
  const result = await lint({ paths: [corpus], configFile: false });
  return result.files.reduce((n, f) => n + f.statements, 0);
}

async function best(label, fn, runs = 3) {
  let fastest = Infinity;
  let count = 0;
  const rss = [];
  const heap = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    count = await fn();
    fastest = Math.min(fastest, performance.now() - t0);
    rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
    // What a pass leaves alive: RSS alone follows when the collector last ran, not what is kept.
    fullGc();
    heap.push(Math.round(process.memoryUsage().heapUsed / 2 ** 20));
  }
  residentAfter.set(label, rss);
  heapAfter.set(label, heap);
  console.log(`${label.padEnd(28)} ${(fastest / 1000).toFixed(2)} s  ${(mb / (fastest / 1000)).toFixed(2)} MB/s  ${Math.round(count / (fastest / 1000))} statements/s`);
  return fastest;
}

const residentAfter = new Map();
const heapAfter = new Map();
// A full collection without --expose-gc on node's command line.
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc');
console.log(`corpus: ${corpus} — ${migrations.length} migrations, ${mb.toFixed(1)} MB; ${cpus().length} cores, node ${process.version}`);
const parse = await best('libpg-query parse (baseline)', parseAll);
const linted = await best('pgtandem lint (all rules)', lintAll);
console.log(`lint / parse: ${(linted / parse).toFixed(2)}×`);
// ru_maxrss, in KiB on Linux and macOS.
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB; RSS after each lint pass: ${residentAfter.get('pgtandem lint (all rules)').join(', ')} MiB; JS heap after a full GC after each pass: ${heapAfter.get('pgtandem lint (all rules)').join(', ')} MiB`);
