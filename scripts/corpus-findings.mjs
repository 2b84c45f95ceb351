// Dumps every finding the CLI reports on the real-world corpus, one line each
// (file:line:column-endLine:endColumn, rule, severity, phase, message, help), and
// the statement count of every file (format: scripts/findings-dump.mjs), so that
// two builds can be compared line for line: a change made for speed must leave
// this output identical.
//   node scripts/corpus-findings.mjs [<corpus-dir>] [--out <file>] [--check <file>]
// Without a directory it reads ../shared/corpus when present, else the licensed
// sample in test/fixtures/corpus-sample. --out writes the dump; --check compares
// it with an earlier dump and exits 1 on the first difference (findings of rules
// added since the earlier dump are left out). test/fixtures/corpus-sample-findings.txt
// is the sample's dump, checked by test/unit/corpus-findings.test.ts. Run `npm run
// build` first: it lints with bin/pgtandem.js, as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareDumps, findingsDump } from './findings-dump.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const out = option('--out');
const check = option('--check');
const explicit = args.find((a, i) => !a.startsWith('--') && !['--out', '--check'].includes(args[i - 1]));
const corpus = resolve(explicit ?? [join(root, '../shared/corpus'), join(root, 'test/fixtures/corpus-sample')].find((d) => existsSync(d)));

const projects = readdirSync(corpus)
  .filter((d) => statSync(join(corpus, d)).isDirectory())
  .sort();
// Paths relative to the corpus, so dumps from two checkouts compare; no config file lives there.
const run = spawnSync(process.execPath, [join(root, 'bin/pgtandem.js'), 'lint', '--format', 'json', ...projects], {
  cwd: corpus,
  encoding: 'utf8',
  maxBuffer: 1 << 30,
});
if (run.status !== 0 && run.status !== 1) {
  console.error(`corpus-findings: pgtandem lint exited ${run.status}: ${run.stderr.slice(0, 1000)}`);
  process.exit(2);
}
const report = JSON.parse(run.stdout);
const { rules } = await import('../dist/rules/index.js');
const dump = findingsDump(report, rules.map((r) => r.id), corpus);
console.error(`corpus-findings: ${corpus} — ${report.files.length} files, ${report.findings.length} findings`);

if (out) writeFileSync(out, dump);
if (check) {
  const difference = compareDumps(readFileSync(check, 'utf8'), dump);
  if (difference) {
    console.error(`corpus-findings: differs from ${check} at line ${difference.line} (rules added since it was written left out):\n- ${difference.expected}\n+ ${difference.actual}`);
    process.exit(1);
  }
  console.error(`corpus-findings: same findings as ${check}`);
}
if (!out && !check) process.stdout.write(dump);
