import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ConnectionError } from '../errors.js';
import { redact } from './redact.js';

/** A throwaway server in a Docker container: its URL (never print it) and how to remove the container. */
export interface DockerServer {
  url: string;
  password: string;
  /** The container's id, for messages. */
  containerId: string;
  stop(): Promise<void>;
}

export interface DockerOptions {
  /** How long to wait for the server to accept connections (default 60 s; a pull comes before and is not counted). */
  readyTimeoutMs?: number;
}

const LABEL = 'pgtandem.shadow=1';
const DOCKER_MISSING = 'Docker is not available: `docker` not found on PATH (use --shadow-url or the embedded server)';

/**
 * Starts `image` (an official-style `postgres` image: `POSTGRES_PASSWORD`,
 * port 5432) with the `docker` CLI — no Docker library: `docker run -d --rm`
 * publishing 5432 on a random local port, `docker port` to learn it, then
 * connections until one succeeds on a server that stays up (the image's init
 * runs a temporary server first). `stop()`, a failure midway, the process
 * exiting or a SIGINT/SIGTERM remove the container (`docker rm -f`).
 */
export async function startDockerPostgres(image: string, options: DockerOptions = {}): Promise<DockerServer> {
  const password = randomBytes(12).toString('hex');
  // `-e NAME` without a value passes it from docker's environment: the password stays out of `ps`.
  const started = await docker(['run', '-d', '--rm', '-e', 'POSTGRES_PASSWORD', '-p', '127.0.0.1::5432', '--label', LABEL, image], { POSTGRES_PASSWORD: password }, [password]).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ConnectionError(DOCKER_MISSING, { cause: error });
    throw new ConnectionError(`cannot start ${image} with docker: ${failureLine(error, [password])}`, { cause: error });
  });
  const containerId = started.trim().split('\n').pop()!.trim();
  const cleanup = removeOnExit(containerId);
  try {
    const port = await publishedPort(containerId);
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await waitUntilServing(url, containerId, image, options.readyTimeoutMs ?? 60_000);
    return {
      url,
      password,
      containerId,
      async stop() {
        cleanup.cancel();
        await docker(['rm', '-f', containerId]).catch(() => {});
      },
    };
  } catch (error) {
    cleanup.cancel();
    await docker(['rm', '-f', containerId]).catch(() => {});
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(`cannot use the ${image} container: ${failureLine(error, [password])}`, { cause: error });
  }
}

/** `docker port <id> 5432/tcp` prints `127.0.0.1:49153` (one line per address). */
async function publishedPort(containerId: string): Promise<number> {
  const out = await docker(['port', containerId, '5432/tcp']);
  const match = /:(\d+)\s*$/m.exec(out);
  if (!match) throw new Error(`docker port printed no port for 5432/tcp`);
  return Number(match[1]);
}

/**
 * Until a connection succeeds twice to the same postmaster (same start time):
 * during the image's init a temporary server may accept connections and then
 * stop, and docker's proxy accepts TCP before anything listens in the
 * container. A container that is gone (it exited, `--rm` removed it) ends the
 * wait at once.
 */
async function waitUntilServing(url: string, containerId: string, image: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous: string | undefined;
  let lastError = 'no connection yet';
  for (let attempt = 0; ; attempt++) {
    const startTime = await postmasterStart(url).catch((error: unknown) => {
      lastError = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return undefined;
    });
    if (startTime !== undefined && startTime === previous) return;
    previous = startTime;
    if (Date.now() > deadline) throw new ConnectionError(`the ${image} container did not accept connections within ${Math.round(timeoutMs / 1000)} s: ${redact(lastError, [url])}`);
    if (startTime === undefined && attempt % 10 === 9 && !(await running(containerId))) {
      throw new ConnectionError(`the ${image} container stopped before accepting connections (is it a PostgreSQL image?)`);
    }
    await new Promise((resolve) => setTimeout(resolve, startTime === undefined ? 250 : 1000));
  }
}

async function postmasterStart(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ started: string }>('SELECT pg_postmaster_start_time()::text AS started');
    return rows[0]!.started;
  } finally {
    await client.end().catch(() => {});
  }
}

async function running(containerId: string): Promise<boolean> {
  try {
    return (await docker(['inspect', '--format', '{{.State.Running}}', containerId])).trim() === 'true';
  } catch {
    return false;
  }
}

/**
 * Best effort, synchronous because it runs while the process ends: removes
 * the container on exit and on SIGINT/SIGTERM (then lets the signal do what
 * it would have done).
 */
function removeOnExit(containerId: string): { cancel(): void } {
  const remove = (): void => void spawnSync('docker', ['rm', '-f', containerId], { stdio: 'ignore', timeout: 30_000 });
  const onSignal = (signal: NodeJS.Signals): void => {
    cancel();
    remove();
    // Without our listener the signal's default (or another listener) applies.
    process.kill(process.pid, signal);
  };
  const cancel = (): void => {
    process.off('exit', remove);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', remove);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { cancel };
}

/** Runs the docker CLI (no shell); resolves stdout, rejects with its error (`code` ENOENT when docker is missing, `stderr`). */
function docker(args: string[], env: Record<string, string> = {}, secrets: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: redact(String(stderr), secrets) }));
      else resolve(String(stdout));
    });
  });
}

/**
 * One line for a failed docker command: docker missing, or the line of its
 * stderr that says what went wrong (`docker: Error response from daemon: …`
 * comes after `Unable to find image …` when a pull fails), else its first.
 */
function failureLine(error: unknown, secrets: string[]): string {
  const failure = error as NodeJS.ErrnoException & { stderr?: string };
  if (failure.code === 'ENOENT') return DOCKER_MISSING;
  const lines = (failure.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !/^See 'docker .*--help'/.test(l) && !/^Run 'docker .*--help'/.test(l));
  const line = lines.find((l) => /^docker: /.test(l) || /^Error\b/i.test(l)) ?? lines[0] ?? (error instanceof Error ? error.message.split('\n')[0]! : String(error));
  return redact(line.replace(/^docker: /, ''), secrets);
}
