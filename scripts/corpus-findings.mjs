// Dumps every finding the CLI reports on the real-world corpus, one line each
// (file:line:column-endLine:endColumn, rule, severity, phase, message, help), and
// the statement count of every file, so that two builds can be compared byte
// for byte: a change made for speed must leave this output identical.
//   node scripts/corpus-findings.mjs [<corpus-dir>] [--out <file>] [--check <file>]
// Without a directory it reads ../shared/corpus when present, else the licensed
// sample in test/fixtures/corpus-sample. --out writes the dump; --check compares
// it with an earlier dump and exits 1 on the first difference. Run `npm run
// build` first: it lints with bin/pgtandem.js, as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
const oneLine = (text) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const lines = [
  ...report.files.map((f) => `file ${f.path} statements=${f.statements}`),
  ...report.findings.map(
    (f) => `${f.file}:${f.line}:${f.column}-${f.endLine}:${f.endColumn}\t${f.rule}\t${f.severity}\t${f.phase}\t${oneLine(f.message)}\t${oneLine(f.help)}`,
  ),
];
const dump = `${lines.join('\n')}\n`;
console.error(`corpus-findings: ${corpus} — ${report.files.length} files, ${report.findings.length} findings`);

if (out) writeFileSync(out, dump);
if (check) {
  const expected = readFileSync(check, 'utf8').split('\n');
  const actual = dump.split('\n');
  const at = expected.findIndex((line, i) => line !== actual[i]);
  if (at >= 0 || expected.length !== actual.length) {
    const i = at >= 0 ? at : Math.min(expected.length, actual.length);
    console.error(`corpus-findings: differs from ${check} at line ${i + 1}:\n- ${expected[i] ?? '(end)'}\n+ ${actual[i] ?? '(end)'}`);
    process.exit(1);
  }
  console.error(`corpus-findings: identical to ${check} (${actual.length - 1} lines)`);
}
if (!out && !check) process.stdout.write(dump);
