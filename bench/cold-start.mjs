// Cold start: `node bin/pgtandem.js lint <small file>` as a child process, Node
// start-up included, against `node -e ''` measured in the same run.
//   npm run bench:cold-start [-- <file.sql>] [--runs N]
// Runs alternate between the two commands so both see the same machine load;
// one untimed warm-up run of each fills the file cache (and lint --cache's cache).
// Target: median ≤ 150 ms.
// On Linux it also prints the CPU time (user + system) per run, which busy
// neighbours inflate much less than wall time; load average is printed too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TARGET_MS = 150;
const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = Math.max(10, runsAt >= 0 ? Number(args[runsAt + 1]) : 20);
const explicit = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs');
const file = explicit ?? smallestExample();

function smallestExample() {
  const dir = join(root, 'migrations-example');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(a).size - statSync(b).size)[0];
}

const cacheDir = mkdtempSync(join(tmpdir(), 'pgtandem-cold-start-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

// The floor any linter built on libpg-query pays before its own code runs:
// Node start-up, loading and instantiating the parser's WASM, one parse.
const parserFloor = "import('libpg-query').then(async (m) => { await m.loadModule(); m.parseSync('select 1'); })";
const commands = {
  "node -e ''": [process.execPath, ['-e', '']],
  'node + libpg-query': [process.execPath, ['--no-wasm-tier-up', '--no-wasm-dynamic-tiering', '-e', parserFloor]],
  'pgtandem lint': [process.execPath, [join(root, 'bin/pgtandem.js'), 'lint', file]],
  // A rerun over a file linted before (the untimed warm-up run fills the cache): no parser is loaded.
  'lint --cache': [process.execPath, [join(root, 'bin/pgtandem.js'), 'lint', '--cache-location', join(cacheDir, 'lint.cache'), file]],
};

/** CPU time of waited-for children so far, in ms (Linux: /proc/self/stat cutime + cstime), else undefined. */
function childCpuMs() {
  if (!existsSync('/proc/self/stat')) return undefined;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // Clock ticks, 100 per second on Linux.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function timeOnce([command, commandArgs], label) {
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  // cwd outside the repository: no pgtandem.config.json is found, as for a user linting one file.
  // The parser floor resolves libpg-query from this repository; pgtandem itself runs from tmpdir.
  const cwd = commandArgs.includes(parserFloor) ? root : tmpdir();
  const result = spawnSync(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${commandArgs.join(' ')} exited ${result.status}: ${result.stderr}`);
  if (label && cpu0 !== undefined) cpuTotals[label] += childCpuMs() - cpu0;
  return ms;
}

const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const cpuTotals = Object.fromEntries(Object.keys(commands).map((k) => [k, 0]));
for (const spec of Object.values(commands)) timeOnce(spec);
for (let i = 0; i < runs; i++) for (const [label, spec] of Object.entries(commands)) times[label].push(timeOnce(spec, label));

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(
  `file: ${file} (${statSync(file).size} bytes); ${runs} runs each; ${cpus().length} cores, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const medians = {};
for (const [label, list] of Object.entries(times)) {
  const sorted = [...list].sort((a, b) => a - b);
  medians[label] = percentile(sorted, 50);
  const cpu = childCpuMs() === undefined ? '' : `   CPU ${(cpuTotals[label] / runs).toFixed(0).padStart(4)} ms/run`;
  console.log(`${label.padEnd(18)} median ${percentile(sorted, 50).toFixed(0).padStart(4)} ms   p90 ${percentile(sorted, 90).toFixed(0).padStart(4)} ms   min ${sorted[0].toFixed(0).padStart(4)} ms${cpu}`);
}
const lintMedian = medians['pgtandem lint'];
const cachedMedian = medians['lint --cache'];
console.log(
  `pgtandem over bare node: ${(lintMedian - medians["node -e ''"]).toFixed(0)} ms, over the parser floor: ${(lintMedian - medians['node + libpg-query']).toFixed(0)} ms; target median ≤ ${TARGET_MS} ms: ${lintMedian <= TARGET_MS ? 'met' : 'NOT met'}`,
);
console.log(`with --cache, answered: ${(cachedMedian - medians["node -e ''"]).toFixed(0)} ms over bare node; target: ${cachedMedian <= TARGET_MS ? 'met' : 'NOT met'}`);
