// Where the time of a `node --cpu-prof` profile goes, by lint stage: each
// sample counts for the innermost frame that names a stage (GC and module
// loading included), printed as a Markdown table.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bin/pgtandem.js lint --format json <dirs…> > /dev/null
//   node bench/profile-stages.mjs /tmp/prof/*.cpuprofile
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const cats = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['parse (libpg-query parseSync + JSON)', (f) => f.functionName === 'parseSql' || f.functionName === 'parseSync'],
  ['PL/pgSQL bodies (parsePlPgSQLSync)', (f) => f.functionName === 'parsePlPgSQLSync'],
  ['scan/lex tokens', (f) => /^(lexForgiving|tokenize|scanSql|scanSync)$/.test(f.functionName)],
  ['catalog replay', (f) => /^(replayStatement|replayFile|replayScriptMigration)$/.test(f.functionName)],
  ['rules (check)', (f) => f.functionName === 'check' || f.functionName === 'checkWithCatalog'],
  ['ignores', (f) => /^(collectIgnores|applyIgnores)$/.test(f.functionName)],
  ['statement split/nesting', (f) => /^(parseSegment|nestedStatements|registerSections)$/.test(f.functionName)],
  ['findings (positions, sort)', (f) => /^(toFinding|noteSizes)$/.test(f.functionName)],
  ['rule engine (per statement)', (f) => /^(runRules)$/.test(f.functionName)],
  ['discovery (read, classify files)', (f) => /^(discoverMigrations|lintHistory|projectReplayOrder|readDirectory|settle|findSqlFiles|readFile|walk|list|toMigration|classifyDirectory)$/.test(f.functionName)],
  ['report (format)', (f) => /^(formatResult|formatJson|formatPretty)$/.test(f.functionName)],
  ['lint driver', (f) => /^(lintMigrationFile|lint)$/.test(f.functionName)],
  ['module loading/compile', (f) => /esm\/|cjs\/loader|bootstrap/.test(f.url) || f.functionName === '(program)'],
  ['wasm load (loadModule)', (f) => f.functionName === 'loadModule' || f.functionName === 'loadParser'],
];
const totals = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0; total += d; let cat = 'other';
  outer: for (let cur = p.samples[i]; cur !== undefined; cur = parent.get(cur)) { const f = byId.get(cur).callFrame; for (const [name, test] of cats) if (test(f)) { cat = name; break outer; } }
  totals.set(cat, (totals.get(cat) ?? 0) + d);
}
const busy = total - (totals.get('idle') ?? 0);
console.log(`| stage | ms | share of busy |\n|---|---:|---:|`);
for (const [c, t] of [...totals].sort((a, b) => b[1] - a[1])) if (c !== 'idle') console.log(`| ${c} | ${(t / 1000).toFixed(0)} | ${((100 * t) / busy).toFixed(1)}% |`);
console.log(`| total busy | ${(busy / 1000).toFixed(0)} | |`);
