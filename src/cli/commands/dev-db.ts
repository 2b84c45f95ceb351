import { dirname, isAbsolute, relative } from 'node:path';
import { devDbPaths, devDbStatus, runningDevDb, startDevDb, stopDevDb, type DevDbStatus } from '../../db/dev-db.js';
import { UsageError } from '../../errors.js';
import { loadConfig } from '../../lint/config.js';
import { rules } from '../../lint/lint.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';

export interface DevDbCommandOptions {
  config?: string;
  delete?: boolean;
  format?: string;
}

export type DevDbAction = 'start' | 'stop' | 'url' | 'status';

/**
 * `pgtandem dev-db start|stop|url|status`: a lasting local PostgreSQL kept in
 * `.pgtandem/dev-db/` beside the config. `start` and `url` are the only
 * commands that print a URL: the user asked for it, and it is local.
 */
export async function devDbCommand(action: DevDbAction, options: DevDbCommandOptions, io: CliIO): Promise<number> {
  const root = await devDbProjectRoot(io.cwd, options.config);
  const show = (path: string) => displayPath(io.cwd, path);
  switch (action) {
    case 'start': {
      const result = await startDevDb(root);
      if (result.staleRemoved) io.stderr('pgtandem: dev-db: the last server did not shut down (killed, or the machine restarted): removed its stale postmaster.pid\n');
      if (result.initialised) io.stderr(`pgtandem: dev-db: created ${show(devDbDir(root))} (kept across stop and start; ignored by git)\n`);
      if (result.movedFrom) io.stderr(`pgtandem: dev-db: port ${result.movedFrom} is taken: now on port ${result.port}\n`);
      const state = result.outcome === 'already-running' ? 'already running' : 'running';
      io.stderr(`pgtandem: dev-db: ${state} on 127.0.0.1:${result.port}, database "${result.database}"; stop it with: pgtandem dev-db stop\n`);
      io.stdout(`export DATABASE_URL=${result.url}\n`);
      return EXIT.ok;
    }
    case 'stop': {
      const result = await stopDevDb(root, { deleteData: options.delete === true });
      const what = result.wasRunning ? 'stopped' : 'not running';
      const data = result.deleted ? `; deleted ${show(devDbDir(root))}` : options.delete ? '; no data to delete' : result.wasRunning ? `; data kept in ${show(devDbDir(root))}` : '';
      io.stdout(`pgtandem: dev-db: ${what}${data}\n`);
      return EXIT.ok;
    }
    case 'url': {
      const running = runningDevDb(root);
      if (!running) {
        io.stderr('pgtandem: dev-db is not running: start it with `pgtandem dev-db start`\n');
        return EXIT.failed;
      }
      io.stdout(`${running.url}\n`);
      return EXIT.ok;
    }
    case 'status': {
      const format = options.format ?? 'pretty';
      if (format !== 'pretty' && format !== 'json') throw new UsageError(`unknown format "${format}" (expected pretty or json)`);
      const status = await devDbStatus(root);
      io.stdout(format === 'json' ? `${JSON.stringify(statusJson(status, show), null, 2)}\n` : formatStatus(status, show));
      return EXIT.ok;
    }
  }
}

/** The folder holding the config (pgtandem.config.json, or package.json with a "pgtandem" key), else the working directory. */
export async function devDbProjectRoot(cwd: string, config?: string): Promise<string> {
  const loaded = await loadConfig({ cwd, knownRules: rules.map((r) => r.id), ...(config ? { explicitPath: config } : {}) });
  return loaded.path ? dirname(loaded.path) : cwd;
}

function devDbDir(root: string): string {
  return devDbPaths(root).dir;
}

function statusJson(status: DevDbStatus, show: (path: string) => string): Record<string, unknown> {
  return {
    running: status.running,
    ...(status.pid !== undefined ? { pid: status.pid } : {}),
    ...(status.port !== undefined ? { port: status.port } : {}),
    ...(status.database !== undefined ? { database: status.database } : {}),
    dataDir: show(status.dataDir),
    initialised: status.initialised,
    ...(status.version !== undefined ? { postgresVersion: status.version } : {}),
    sizeBytes: status.sizeBytes,
    staleRemoved: status.staleRemoved,
  };
}

function formatStatus(status: DevDbStatus, show: (path: string) => string): string {
  const lines: [string, string][] = [['dev-db', status.running ? `running (pid ${status.pid})` : status.initialised ? 'stopped' : 'not created (pgtandem dev-db start creates it)']];
  if (status.staleRemoved) lines.push(['note', 'the last server did not shut down (killed, or the machine restarted): removed its stale postmaster.pid']);
  if (status.port !== undefined) lines.push(['port', `127.0.0.1:${status.port}`]);
  if (status.database !== undefined) lines.push(['database', status.database]);
  lines.push(['data dir', show(status.dataDir)]);
  if (status.version !== undefined) lines.push(['version', `PostgreSQL ${status.version}`]);
  if (status.initialised) lines.push(['size', formatBytes(status.sizeBytes)]);
  if (status.running) lines.push(['url', 'printed by pgtandem dev-db url']);
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  return `${lines.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n')}\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
