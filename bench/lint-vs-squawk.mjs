// Lint speed against squawk on the real-world migration projects of the corpus:
// every project except sbdchd__squawk and xataio__pgroll (no PostgreSQL
// regression suite, no parser fixtures), all default rules for both tools.
//   npm run bench:squawk [-- <corpus-dir>] [--runs N]
// Both tools read the same files, as migration directories (pgtandem) and as
// the list of files pgtandem found there (squawk). MB/s counts those files'
// bytes; statements/s counts their statements as libpg-query splits them, the
// same number for every row, so the rows compare work per second. squawk is
// the `squawk-cli` devDependency (its binary comes in a per-platform npm
// package); without it, pgtandem is compared with libpg-query parsing alone.
// `pgtandem lint --cache, answered` is a rerun over files linted before (a
// cache of its own, filled by one untimed run): what a pre-commit hook or a
// CI rerun pays, not the work of linting.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModule, parseSync } from 'libpg-query';
import { discoverMigrations } from '../dist/src/migrations/discover.js';
import { lint } from '../dist/src/lint/lint.js';

const EXCLUDED = new Set(['sbdchd__squawk', 'xataio__pgroll']);
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const explicit = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
const corpus = explicit ?? join(root, '../shared/corpus');
if (!existsSync(corpus)) {
  console.error(`lint-vs-squawk: no corpus at ${corpus} (pass a directory)`);
  process.exit(2);
}

const projects = readdirSync(corpus)
  .filter((d) => !EXCLUDED.has(d) && statSync(join(corpus, d)).isDirectory())
  .sort()
  .map((d) => join(corpus, d));
await loadModule();
const { migrations } = await discoverMigrations(projects);
const files = [...new Set(migrations.map((m) => m.path))];
const bytes = migrations.reduce((n, m) => n + Buffer.byteLength(m.text), 0);
const mb = bytes / 1e6;
let statements = 0;
for (const m of migrations) {
  try {
    statements += parseSync(m.text).stmts?.length ?? 0;
  } catch {
    // a file that does not parse counts for its bytes only
  }
}

const squawk = findSquawk();

/** Runs a command to completion, draining its output; resolves with the bytes it printed. */
function run(command, commandArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk.length));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    // Both tools exit 1 when they find something; 2 and up is a failure to lint.
    child.on('close', (code) => (code === 0 || code === 1 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.slice(0, 500)}`))));
  });
}

function findSquawk() {
  const require = createRequire(import.meta.url);
  try {
    // squawk-cli's own resolver: the binary of the @squawk-cli/<platform> package npm installed.
    const binary = require('squawk-cli/js/index.js').getBinaryPath();
    const { version } = JSON.parse(readFileSync(require.resolve('squawk-cli/package.json'), 'utf8'));
    return { binary, version };
  } catch (error) {
    return { missing: error instanceof Error ? error.message.split('\n')[0] : String(error) };
  }
}

async function median(fn) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function row(label, ms) {
  const s = ms / 1000;
  console.log(`${label.padEnd(34)} ${s.toFixed(2).padStart(7)} s ${(mb / s).toFixed(2).padStart(8)} MB/s ${Math.round(statements / s).toLocaleString('en').padStart(9)} statements/s`);
  return ms;
}

console.log(
  `corpus: ${corpus} — ${projects.length} projects, ${files.length} files, ${mb.toFixed(2)} MB, ${statements.toLocaleString('en')} statements; ` +
    `${cpus().length} cores, node ${process.version}, median of ${runs} runs`,
);
const parse = row('libpg-query parse (baseline)', await median(() => migrations.forEach((m) => void safeParse(m.text))));
const inProcess = row('pgtandem lint, in process', await median(() => lint({ paths: projects, configFile: false })));
const pgtandemCli = row(
  'pgtandem lint, CLI --format json',
  await median(() => run(process.execPath, [join(root, 'bin/pgtandem.js'), 'lint', '--format', 'json', ...projects])),
);
// The default format, as a terminal or a hook shows it: code frames for every finding.
row('pgtandem lint, CLI (pretty)', await median(() => run(process.execPath, [join(root, 'bin/pgtandem.js'), 'lint', ...projects])));
// lint --cache once the files were linted before (the pre-commit hook's and the CI rerun's case): one
// untimed run fills a cache of its own, the timed runs are answered from it.
const cacheDir = mkdtempSync(join(tmpdir(), 'pgtandem-bench-cache-'));
const cachedArgs = [join(root, 'bin/pgtandem.js'), 'lint', '--format', 'json', '--cache-location', join(cacheDir, 'lint.cache'), ...projects];
await run(process.execPath, cachedArgs);
const cachedCli = row('pgtandem lint --cache, answered', await median(() => run(process.execPath, cachedArgs)));
rmSync(cacheDir, { recursive: true, force: true });
if (squawk.binary) {
  const squawkCli = row(`squawk ${squawk.version}, CLI --reporter json`, await median(() => run(squawk.binary, ['--reporter', 'json', ...files])));
  const compare = (label, ms) => {
    const ratio = ms / squawkCli;
    console.log(`${label} / squawk CLI time: ${ratio.toFixed(2)}× (${ratio >= 1 ? `squawk is ${ratio.toFixed(1)}× faster` : `pgtandem is ${(1 / ratio).toFixed(1)}× faster`})`);
  };
  compare('pgtandem CLI', pgtandemCli);
  compare('pgtandem CLI --cache, answered', cachedCli);
} else {
  console.log(`squawk: not available (${squawk.missing}); comparing with the parse baseline only`);
}
console.log(`pgtandem in process / libpg-query parse time: ${(inProcess / parse).toFixed(2)}×`);

function safeParse(text) {
  try {
    return parseSync(text);
  } catch {
    return undefined;
  }
}
