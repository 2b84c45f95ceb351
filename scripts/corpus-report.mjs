// Lints every project of the real-world corpus and prints findings per rule per project.
// Usage: npm run corpus-report [-- <corpus-dir>] [--json]
// Default corpus: ../shared/corpus, else the licensed sample in test/fixtures/corpus-sample.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint } from '../dist/src/lint/lint.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const explicit = args.find((a) => !a.startsWith('--'));
const corpus = explicit ?? [join(root, '../shared/corpus'), join(root, 'test/fixtures/corpus-sample')].find((d) => existsSync(d));
if (!corpus) {
  console.error('corpus-report: no corpus found (pass a directory)');
  process.exit(2);
}

const projects = readdirSync(corpus).filter((d) => statSync(join(corpus, d)).isDirectory()).sort();
const table = {};
const totals = {};
const started = performance.now();
let files = 0;
let statements = 0;
for (const project of projects) {
  const result = await lint({ paths: [join(corpus, project)], configFile: false });
  files += result.files.length;
  statements += result.files.reduce((n, f) => n + f.statements, 0);
  const counts = {};
  for (const finding of result.findings) {
    counts[finding.rule] = (counts[finding.rule] ?? 0) + 1;
    totals[finding.rule] = (totals[finding.rule] ?? 0) + 1;
  }
  table[project] = { files: result.files.length, findings: counts };
}
const seconds = (performance.now() - started) / 1000;

if (json) {
  console.log(JSON.stringify({ corpus, files, statements, seconds, totals, projects: table }, null, 2));
} else {
  const rules = Object.keys(totals).sort((a, b) => totals[b] - totals[a]);
  console.log(`corpus: ${corpus}`);
  console.log(`${files} files, ${statements} statements linted in ${seconds.toFixed(1)} s\n`);
  console.log('findings per rule (all projects):');
  for (const rule of rules) console.log(`  ${String(totals[rule]).padStart(6)}  ${rule}`);
  console.log('\nper project:');
  for (const [project, { files: n, findings }] of Object.entries(table)) {
    const parts = Object.entries(findings)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, count]) => `${rule} ${count}`);
    console.log(`  ${project} (${n} files): ${parts.join(', ') || 'no findings'}`);
  }
}
