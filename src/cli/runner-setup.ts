import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { connect, type Connection } from '../db/connect.js';
import { redact } from '../db/redact.js';
import { PgtandemError, RunnerError, UsageError } from '../errors.js';
import { loadConfig, type PgtandemConfig } from '../lint/config.js';
import { parseDuration } from '../lint/duration.js';
import { rules } from '../lint/lint.js';
import type { MigrationFile } from '../migrations/migration.js';
import { discoverProject } from '../migrations/project.js';
import { runnerSettings, type RunnerSettings } from '../runner/settings.js';
import type { CliIO } from './io.js';

/** The flags every runner command shares. */
export interface RunnerCommandOptions {
  databaseUrl?: string;
  dir?: string;
  config?: string;
  embedded?: boolean;
}

export interface RunnerSession {
  connection: Connection;
  migrations: MigrationFile[];
  /** The config's history folders (applied by their tools, never run here), and both merged in the order they reach a database. */
  history: MigrationFile[];
  replayOrder: MigrationFile[];
  config: PgtandemConfig;
  settings: RunnerSettings;
}

/**
 * Loads the config, finds the migrations, connects (or starts `--embedded`),
 * runs `work`, then closes everything. The URL comes from --database-url or
 * DATABASE_URL and is never printed.
 */
export async function withRunnerSession<T>(command: string, options: RunnerCommandOptions, io: CliIO, work: (session: RunnerSession) => Promise<T>): Promise<T> {
  const { config, configDir, migrations, history, replayOrder } = await loadRunnerProject(options, io);

  const url = options.databaseUrl ?? io.env.DATABASE_URL;
  if (!url && !options.embedded) {
    throw new UsageError('no database: pass --database-url <url> or set DATABASE_URL (or --embedded to try pgtandem on a throwaway local PostgreSQL)');
  }
  let stopEmbedded: (() => Promise<void>) | undefined;
  let target = url;
  if (!target) {
    const { runningDevDb } = await import('../db/dev-db.js');
    target = runningDevDb(configDir)?.url;
    if (target) io.stderr('pgtandem: --embedded: using the running dev-db (.pgtandem/dev-db; pgtandem dev-db stop stops it)\n');
  }
  if (!target) {
    const { startEmbeddedPostgres } = await import('../db/embedded-postgres.js');
    const server = await startEmbeddedPostgres();
    stopEmbedded = server.stop;
    target = server.url;
    io.stderr('pgtandem: --embedded: started a throwaway PostgreSQL; it and its data are removed when this command ends\n');
  }
  try {
    const connection = await connect(target, `pgtandem ${command}`);
    try {
      return await work({ connection, migrations, history, replayOrder, config, settings: runnerSettings(config, connection.serverVersion) });
    } catch (error) {
      // Whatever the database or the driver threw outside a planned action (a lost connection, a
      // failing state query) is still a failed job, and its message may quote what it was given.
      if (error instanceof PgtandemError) throw error;
      const code = (error as { code?: string }).code;
      const message = redact(error instanceof Error ? error.message : String(error), [...connection.secrets, target]);
      throw new RunnerError('PHASE_FAILED', `${command} failed: ${message}${code ? ` (${code})` : ''}`, { cause: error });
    } finally {
      await connection.close();
    }
  } finally {
    await stopEmbedded?.();
  }
}

/** The config and the migrations a runner command works on (the session without its database). */
export interface RunnerProject {
  config: PgtandemConfig;
  /** The config file's folder, else the working directory. */
  configDir: string;
  migrations: MigrationFile[];
  history: MigrationFile[];
  replayOrder: MigrationFile[];
}

/** Loads the config and finds the migrations (paths shown relative to the working directory). */
export async function loadRunnerProject(options: RunnerCommandOptions, io: CliIO): Promise<RunnerProject> {
  const loaded = await loadConfig({ cwd: io.cwd, knownRules: rules.map((r) => r.id), ...(options.config ? { explicitPath: options.config } : {}) });
  const config = loaded.config;
  const configDir = loaded.path ? dirname(loaded.path) : io.cwd;
  const dir = options.dir ? resolve(io.cwd, options.dir) : config.migrationsDir ? resolve(configDir, config.migrationsDir) : undefined;
  if (!dir) throw new UsageError('no migrations directory: pass --dir <path> or set "migrationsDir" in pgtandem.config.json');
  const project = await discoverProject({ migrationsDir: dir, history: config.history.map((h) => resolve(configDir, h)) }, { assumeInTransaction: config.assumeInTransaction });
  // An empty migrationsDir beside a history folder is a project with no phased migration yet: nothing to do, not an error.
  if (project.migrations.length === 0 && project.history.length === 0) throw new UsageError(`no migrations found in ${displayPath(io.cwd, dir)}`);
  const shown = new Map(project.replayOrder.map((m) => [m, { ...m, path: displayPath(io.cwd, m.path) }]));
  return {
    config,
    configDir,
    migrations: project.migrations.map((m) => shown.get(m)!),
    history: project.history.map((m) => shown.get(m)!),
    replayOrder: project.replayOrder.map((m) => shown.get(m)!),
  };
}

/** A duration flag (`--lock-wait 5s`) in milliseconds, or a UsageError naming the flag. */
export function durationFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(/^\d+$/.test(value) ? `${value}s` : value);
  if (ms === undefined) throw new UsageError(`${flag}: expected a duration such as 30s, 500ms or 5min, got "${value}"`);
  return ms;
}

function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
