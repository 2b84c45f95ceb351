// Measures the catalog replay against PostgreSQL itself: for migrations-example, the replay-accuracy
// fixture and every project of the real-world corpus, applies the migrations to a fresh database, reads
// the real catalog, replays the same files, and prints per project the objects compared, those that
// match, and the first mismatches.
// Usage: npm run replay-accuracy [-- <corpus-dir>] [--database-url <url>] [--mismatches <n>] [--json]
// Server: --database-url, else PGTANDEM_DATABASE_URL or TEST_DATABASE_URL, else an embedded PostgreSQL.
// Default corpus: ../shared/corpus, else the licensed sample in test/fixtures/corpus-sample.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../dist/src/db/embedded-postgres.js';
import { replayMigrations } from '../dist/src/schema/replay-catalog.js';
import { describeAccuracy, describeDifference, measureReplayAccuracy } from '../dist/src/schema/replay-accuracy.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args.splice(at, 2)[1];
};
const json = args.includes('--json');
const urlOption = option('--database-url');
const shown = Number(option('--mismatches') ?? 10);
const explicit = args.find((a) => !a.startsWith('--'));
const corpus = explicit ?? [join(root, '../shared/corpus'), join(root, 'test/fixtures/corpus-sample')].find((d) => existsSync(d));
// Test fixtures (squawk's parser tests, PostgreSQL's regression suite, pgroll's examples) are not migration histories.
const FIXTURE_PROJECTS = new Set(['sbdchd__squawk', 'xataio__pgroll']);

const projects = [
  ['migrations-example', join(root, 'migrations-example')],
  ['replay-accuracy fixture', join(root, 'test/fixtures/replay-accuracy')],
];
if (corpus) {
  for (const name of readdirSync(corpus).sort()) {
    if (statSync(join(corpus, name)).isDirectory() && !FIXTURE_PROJECTS.has(name)) projects.push([name, join(corpus, name)]);
  }
}

const server = await serverUrl();
const results = [];
try {
  for (const [project, dir] of projects) {
    const result = await measureReplayAccuracy(project, [dir], {
      serverUrl: server.url,
      databasePrefix: 'replay_accuracy',
      replay: (files) => replayMigrations(files),
    });
    results.push(result);
    if (json) continue;
    console.log(describeAccuracy(result));
    if (result.applied) for (const d of result.comparison.differences.slice(0, shown)) console.log(`    ${describeDifference(d)}`);
    if (result.applied && result.comparison.differences.length > shown) console.log(`    … ${result.comparison.differences.length - shown} more`);
  }
} finally {
  await server.stop();
}

const measured = results.filter((r) => r.applied);
const items = measured.reduce((n, r) => n + r.comparison.items, 0);
const matched = measured.reduce((n, r) => n + r.comparison.matched, 0);
if (json) {
  console.log(JSON.stringify({ corpus, items, matched, projects: results }, null, 2));
} else {
  const percent = items === 0 ? '—' : `${((matched / items) * 100).toFixed(1)}%`;
  console.log(`\n${measured.length} of ${results.length} sets apply cleanly; ${matched} of ${items} objects match (${percent}).`);
}

/** The server to measure on: given, or an embedded one started (and stopped) here. */
async function serverUrl() {
  const given = urlOption ?? process.env.PGTANDEM_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const server = await startEmbeddedPostgres({ prefix: 'pgtandem-accuracy-' });
  return { url: server.url, stop: server.stop };
}
