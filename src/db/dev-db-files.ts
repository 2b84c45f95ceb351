import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Where a project's dev-db lives: `.pgtandem/dev-db/` beside its pgtandem.config.json (else the working directory). */
export interface DevDbPaths {
  projectRoot: string;
  /** `.pgtandem/`, which carries its own `.gitignore` (`*`). */
  pgtandemDir: string;
  dir: string;
  /** PostgreSQL's data directory (owned by the `postgres` user when pgtandem runs as root). */
  dataDir: string;
  /** Port, password and database name (mode 0600). */
  stateFile: string;
  /** The server's own log, appended at every start. */
  logFile: string;
}

export function devDbPaths(projectRoot: string): DevDbPaths {
  const pgtandemDir = join(projectRoot, '.pgtandem');
  const dir = join(pgtandemDir, 'dev-db');
  return { projectRoot, pgtandemDir, dir, dataDir: join(dir, 'data'), stateFile: join(dir, 'dev-db.json'), logFile: join(dir, 'server.log') };
}

/** What `start` remembers between runs. */
export interface DevDbState {
  port: number;
  password: string;
  database: string;
}

export function readState(paths: DevDbPaths): DevDbState | undefined {
  try {
    const raw = JSON.parse(readFileSync(paths.stateFile, 'utf8')) as Partial<DevDbState>;
    if (typeof raw.port === 'number' && typeof raw.password === 'string' && typeof raw.database === 'string') {
      return { port: raw.port, password: raw.password, database: raw.database };
    }
  } catch {
    // Missing or unreadable: the caller initialises again.
  }
  return undefined;
}

export function writeState(paths: DevDbPaths, state: DevDbState): void {
  writeFileSync(paths.stateFile, `${JSON.stringify({ version: 1, ...state }, null, 2)}\n`, { mode: 0o600 });
  // The mode above applies only when the file is created.
  chmodSync(paths.stateFile, 0o600);
}

/** Creates `.pgtandem/dev-db/`; `.pgtandem/` gets a `.gitignore` holding `*` so none of it is ever committed. */
export function ensureDirs(paths: DevDbPaths): void {
  mkdirSync(paths.pgtandemDir, { recursive: true });
  const ignore = join(paths.pgtandemDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# written by pgtandem: local state, never committed\n*\n');
  mkdirSync(paths.dir, { recursive: true });
}

/** The database name for a project: its folder's name as a plain identifier. */
export function databaseNameFor(projectRoot: string): string {
  const name = basename(projectRoot)
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63);
  return /^[a-z_]/.test(name) ? name : `app${name ? `_${name}` : ''}`.slice(0, 63);
}

/** The first lines of `postmaster.pid`, which PostgreSQL writes at start and removes at a clean shutdown. */
export interface PostmasterPid {
  pid: number;
  port: number;
}

export function readPostmasterPid(paths: DevDbPaths): PostmasterPid | undefined {
  let text: string;
  try {
    text = readFileSync(join(paths.dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  // A file cut short (the machine stopped while it was written) is as stale as a dead pid.
  return Number.isInteger(pid) && pid > 0 ? { pid, port: Number.isInteger(port) ? port : 0 } : { pid: 0, port: 0 };
}

export function removePostmasterPid(paths: DevDbPaths): void {
  rmSync(join(paths.dataDir, 'postmaster.pid'), { force: true });
}

/**
 * Whether `pid` is this data directory's postmaster. After a reboot the pid
 * in a stale postmaster.pid may belong to another program: where /proc exists
 * the process must also have its working directory in the data directory
 * (the postmaster and its children chdir there).
 */
export function isServerProcess(pid: number, dataDir: string): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed postmaster whose parent (init, in a container often not a real one) has not reaped it.
  if (isZombie(pid)) return false;
  const cwd = procCwd(pid);
  return cwd === undefined || cwd === realDataDir(dataDir);
}

/**
 * Processes still working in the data directory (a killed postmaster's
 * backends, which exit on their own once they notice). Empty where /proc
 * does not exist.
 */
export function serverProcesses(dataDir: string): number[] {
  const target = realDataDir(dataDir);
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((e) => /^\d+$/.test(e) && procCwd(Number(e)) === target).map(Number);
}

function isZombie(pid: number): boolean {
  try {
    // Field 3 of /proc/<pid>/stat, after the command name in parentheses.
    return /\)\s+Z\b/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function procCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

function realDataDir(dataDir: string): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return dataDir;
  }
}

/** Bytes on disk under `dir` (files only; links not followed). */
export function sizeOnDisk(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory()) total += sizeOnDisk(path);
      else if (stat.isFile()) total += stat.size;
    } catch {
      // A file removed while counting (a WAL segment recycled).
    }
  }
  return total;
}

/** The major version the data directory was created by, from its PG_VERSION file. */
export function dataVersion(paths: DevDbPaths): string | undefined {
  try {
    return readFileSync(join(paths.dataDir, 'PG_VERSION'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
