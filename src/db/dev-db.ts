import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import pg from 'pg';
import { DevDbError } from '../errors.js';
import { freePort, importEmbeddedPostgres, letPostgresUserReach, letPostgresUserReachBinaries, portIsFree, runningAsRoot } from './embedded-binaries.js';
import {
  databaseNameFor,
  dataVersion,
  devDbPaths,
  ensureDirs,
  isServerProcess,
  readPostmasterPid,
  readState,
  removePostmasterPid,
  serverProcesses,
  sizeOnDisk,
  writeState,
  type DevDbPaths,
  type DevDbState,
} from './dev-db-files.js';
import { firstLine, pgCtlStart, shutdown, sleep } from './dev-db-server.js';
import { redact } from './redact.js';

export { devDbPaths, type DevDbPaths } from './dev-db-files.js';

/** A running dev-db: its URL (print it only where the user asked for it: `dev-db start` and `dev-db url`). */
export interface RunningDevDb {
  url: string;
  port: number;
  database: string;
}

export interface DevDbStartResult extends RunningDevDb {
  /** `started` now, or `already-running` (nothing done). */
  outcome: 'started' | 'already-running';
  /** The data directory was created by this start. */
  initialised: boolean;
  /** The remembered port was taken, so the server moved to `port`. */
  movedFrom?: number;
  /** A postmaster.pid left by a server that did not shut down (killed, machine rebooted) was removed. */
  staleRemoved: boolean;
}

export interface DevDbStatus {
  running: boolean;
  /** Whether `start` has created the data directory. */
  initialised: boolean;
  pid?: number;
  port?: number;
  database?: string;
  dataDir: string;
  /** The server's version when running (`18.1`), else the data directory's major (`18`). */
  version?: string;
  sizeBytes: number;
  staleRemoved: boolean;
}

const ORPHAN_WAIT_MS = 15_000;

/**
 * Starts the project's lasting local server, initialising it the first time:
 * detached (`pg_ctl start`: the postmaster runs in its own session and
 * outlives the command), on the remembered port or a free one, with the
 * password kept in `.pgtandem/dev-db/dev-db.json` and a database named after
 * the project. Returns once it accepts connections. Idempotent.
 */
export async function startDevDb(projectRoot: string): Promise<DevDbStartResult> {
  const paths = devDbPaths(projectRoot);
  const found = probe(paths);
  if (found.running) {
    const state = requireState(paths);
    return { ...runningInfo(state, found.port), outcome: 'already-running', initialised: false, staleRemoved: false };
  }
  if (found.stale) await clearStale(paths);

  ensureDirs(paths);
  const asRoot = runningAsRoot();
  if (asRoot) {
    letPostgresUserReachBinaries();
    letPostgresUserReach(paths.dir);
  }
  let state = readState(paths);
  const initialised = !state || dataVersion(paths) === undefined;
  if (initialised) state = await initialise(paths);
  const settled = state!;

  const remembered = settled.port;
  if (!(await portIsFree(settled.port))) settled.port = await freePort();
  writeState(paths, settled);
  try {
    await pgCtlStart(paths, settled.port);
  } catch (error) {
    // Another program may take the port between the check and the bind: one more try elsewhere.
    if (!(error instanceof DevDbError && /address already in use/i.test(error.message))) throw error;
    settled.port = await freePort();
    writeState(paths, settled);
    await pgCtlStart(paths, settled.port);
  }
  await ensureDatabase(settled);
  return {
    ...runningInfo(settled, settled.port),
    outcome: 'started',
    initialised,
    ...(settled.port !== remembered && !initialised ? { movedFrom: remembered } : {}),
    staleRemoved: found.stale,
  };
}

/** Fast shutdown (sessions rolled back, data kept); `deleteData` then removes `.pgtandem/dev-db/`. Idempotent. */
export async function stopDevDb(projectRoot: string, options: { deleteData?: boolean } = {}): Promise<{ wasRunning: boolean; deleted: boolean; staleRemoved: boolean }> {
  const paths = devDbPaths(projectRoot);
  const found = probe(paths);
  if (found.running) await shutdown(paths, found.pid);
  else if (found.stale) await clearStale(paths);
  const existed = existsSync(paths.dir);
  if (options.deleteData && existed) rmSync(paths.dir, { recursive: true, force: true });
  return { wasRunning: found.running, deleted: options.deleteData === true && existed, staleRemoved: found.stale };
}

/** The server's URL when it is running, else undefined. Reads files only: cheap enough for every `--embedded`. */
export function runningDevDb(projectRoot: string): RunningDevDb | undefined {
  const paths = devDbPaths(projectRoot);
  const found = probe(paths);
  const state = found.running ? readState(paths) : undefined;
  return found.running && state ? runningInfo(state, found.port) : undefined;
}

/** Running or not, where, which version, how big; removes a stale postmaster.pid it finds. */
export async function devDbStatus(projectRoot: string): Promise<DevDbStatus> {
  const paths = devDbPaths(projectRoot);
  const found = probe(paths);
  // Reading must not fail on a killed server's leftovers: `start` waits for them and says why.
  const staleRemoved = found.stale && (await clearStale(paths).then(() => true, () => false));
  const state = readState(paths);
  const base = { dataDir: paths.dir, initialised: dataVersion(paths) !== undefined, sizeBytes: sizeOnDisk(paths.dir), staleRemoved };
  const major = dataVersion(paths);
  if (!found.running) return { running: false, ...base, ...(state ? { database: state.database } : {}), ...(major ? { version: major } : {}) };
  const version = state ? await serverVersion(state, found.port).catch(() => major) : major;
  return { running: true, pid: found.pid, port: found.port, ...(state ? { database: state.database } : {}), ...base, ...(version ? { version } : {}) };
}

type Probe = { running: true; pid: number; port: number; stale: false } | { running: false; stale: boolean };

/** postmaster.pid says whether a server runs; one whose process is gone is stale. */
function probe(paths: DevDbPaths): Probe {
  const pidFile = readPostmasterPid(paths);
  if (!pidFile) return { running: false, stale: false };
  if (isServerProcess(pidFile.pid, paths.dataDir)) return { running: true, pid: pidFile.pid, port: pidFile.port || readState(paths)?.port || 0, stale: false };
  return { running: false, stale: true };
}

/**
 * Removes the postmaster.pid of a server that is gone, once the backends it
 * left (they exit when they notice the postmaster died) have gone too: the
 * file is PostgreSQL's guard against two servers on one data directory.
 */
async function clearStale(paths: DevDbPaths): Promise<void> {
  const deadline = Date.now() + ORPHAN_WAIT_MS;
  let left = serverProcesses(paths.dataDir);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(200);
    left = serverProcesses(paths.dataDir);
  }
  if (left.length > 0) {
    throw new DevDbError(`processes of a dev-db server that was killed still use ${paths.dataDir} (pid ${left.join(', ')}): wait for them to exit, or stop them`);
  }
  removePostmasterPid(paths);
}

async function initialise(paths: DevDbPaths): Promise<DevDbState> {
  // A data directory left half-made by an interrupted first start cannot be initialised over.
  rmSync(paths.dataDir, { recursive: true, force: true });
  const state: DevDbState = { port: await freePort(), password: randomBytes(16).toString('hex'), database: databaseNameFor(paths.projectRoot) };
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: paths.dataDir,
    port: state.port,
    user: 'postgres',
    password: state.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot(),
    onLog: () => {},
    onError: () => {},
  });
  try {
    // initdb only (as the postgres user when root): the package's start() would tie the server to this process.
    await server.initialise();
  } catch (error) {
    rmSync(paths.dataDir, { recursive: true, force: true });
    throw new DevDbError(`cannot initialise the dev-db in ${paths.dataDir}: ${firstLine(error)}`, { cause: error });
  }
  writeState(paths, state);
  return state;
}

async function ensureDatabase(state: DevDbState): Promise<void> {
  await withClient(state, state.port, 'postgres', async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [state.database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(state.database)}`);
  });
}

async function serverVersion(state: DevDbState, port: number): Promise<string | undefined> {
  return withClient(state, port, 'postgres', async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version);
}

async function withClient<T>(state: DevDbState, port: number, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: state.password, database, application_name: 'pgtandem dev-db', connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    throw new DevDbError(`the dev-db on port ${port}: ${redact(firstLine(error), [state.password])}`, { cause: error });
  } finally {
    await client.end().catch(() => {});
  }
}

function runningInfo(state: DevDbState, port: number): RunningDevDb {
  return { url: `postgres://postgres:${state.password}@127.0.0.1:${port}/${encodeURIComponent(state.database)}`, port, database: state.database };
}

function requireState(paths: DevDbPaths): DevDbState {
  const state = readState(paths);
  if (!state) throw new DevDbError(`a server runs on ${paths.dataDir} but ${paths.stateFile} is missing: stop it with \`pgtandem dev-db stop\``);
  return state;
}
