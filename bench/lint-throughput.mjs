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
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    count = await fn();
    fastest = Math.min(fastest, performance.now() - t0);
    rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  }
  residentAfter.set(label, rss);
  console.log(`${label.padEnd(28)} ${(fastest / 1000).toFixed(2)} s  ${(mb / (fastest / 1000)).toFixed(2)} MB/s  ${Math.round(count / (fastest / 1000))} statements/s`);
  return fastest;
}

const residentAfter = new Map();
console.log(`corpus: ${corpus} — ${migrations.length} migrations, ${mb.toFixed(1)} MB; ${cpus().length} cores, node ${process.version}`);
const parse = await best('libpg-query parse (baseline)', parseAll);
const linted = await best('pgtandem lint (all rules)', lintAll);
console.log(`lint / parse: ${(linted / parse).toFixed(2)}×`);
// ru_maxrss, in KiB on Linux and macOS.
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB; RSS after each lint pass: ${residentAfter.get('pgtandem lint (all rules)').join(', ')} MiB`);
