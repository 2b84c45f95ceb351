import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import type { Catalog } from '../../schema/catalog.js';
import { parsePgVersion, pgServerVersion } from '../../lint/config.js';
import { lint, rules } from '../../lint/lint.js';
import { formatResult, isFormat, FORMATS } from '../../report/format.js';
import { shouldColor } from '../color.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { packageVersion } from '../package-version.js';

export interface LintCommandOptions {
  format: string;
  pgVersion?: string;
  since?: string;
  staged?: boolean;
  all?: boolean;
  config?: string;
  databaseUrl?: string;
  /** Apply the mechanical fixes in place (`--fix`); with `dryRun`, print them as a unified diff instead. */
  fix?: boolean;
  dryRun?: boolean;
  cache?: boolean;
  cacheLocation?: string;
}

/** `pgtandem lint [paths…]`: prints the report and returns the exit code. */
export async function lintCommand(paths: string[], options: LintCommandOptions, io: CliIO): Promise<number> {
  if (!isFormat(options.format)) throw new UsageError(`unknown format "${options.format}" (expected ${FORMATS.join(', ')})`);
  if (options.since && options.staged) throw new UsageError('--since and --staged cannot be combined');
  const pgVersion = options.pgVersion === undefined ? undefined : parsePgVersion(options.pgVersion, (m) => new UsageError(`--pg-version: ${m}`));

  if (options.dryRun && !options.fix) throw new UsageError('--dry-run goes with --fix (it prints the fixes as a diff)');

  const cache = options.cache || options.cacheLocation !== undefined ? cachePath(io.cwd, options.cacheLocation) : undefined;
  if (cache && options.fix) throw new UsageError('--cache does not go with --fix (fixes rewrite the files it is keyed on)');
  const url = options.databaseUrl ?? io.env.PGTANDEM_DATABASE_URL;
  if (cache && url) throw new UsageError(`--cache cannot be used with ${options.databaseUrl ? '--database-url' : 'PGTANDEM_DATABASE_URL'}: the database changes without the files changing`);
  const catalog = url ? await liveCatalog(url) : undefined;
  const lintOptions = {
    paths,
    ...(catalog ? { catalog } : {}),
    cwd: io.cwd,
    ...(options.all ? { all: true } : {}),
    ...(options.config ? { configFile: options.config } : {}),
    ...(pgVersion !== undefined ? { config: { pgVersion, ...withServerVersion(pgServerVersion(options.pgVersion)) } } : {}),
    ...(options.since ? { changes: { since: options.since } } : options.staged ? { changes: { staged: true as const } } : {}),
    ...(cache ? { cache } : {}),
  };
  if (options.fix) {
    // Loaded on use: plain lint never needs the fix layer.
    const { applyFixes } = await import('./lint-fix.js');
    const done = await applyFixes(lintOptions, { dryRun: options.dryRun === true }, io);
    if (done !== undefined) return done;
  }
  const result = await lint(lintOptions);
  if (result.cache?.writeError) io.stderr(`pgtandem: warning: could not write the lint cache ${result.cache.path} (${result.cache.writeError}); the findings are complete, the next run is not faster\n`);
  io.stdout(
    formatResult(options.format, result, {
      rules: result.rules ?? rules,
      color: options.format === 'pretty' && shouldColor(io.env, io.isTTY),
      toolVersion: packageVersion(),
    }),
  );
  return result.summary.errors > 0 ? EXIT.findings : EXIT.ok;
}

/** The schema and table sizes of a live database, read in a read-only transaction. */
async function liveCatalog(url: string): Promise<Catalog> {
  // Loaded on use: linting files alone never loads the database driver.
  const [{ connect }, { readCatalog }] = await Promise.all([import('../../db/connect.js'), import('../../schema/read-catalog.js')]);
  const connection = await connect(url, 'pgtandem lint');
  try {
    return await readCatalog(connection.client);
  } finally {
    await connection.close();
  }
}

/** `--cache-location`: a file, or a folder (one that exists, or a path ending in a slash) to put `lint.cache` in. */
function cachePath(cwd: string, location: string | undefined): string {
  if (location === undefined) return join(cwd, '.pgtandem-cache', 'lint.cache');
  const path = resolve(cwd, location);
  if (/[\\/]$/.test(location) || isDirectory(path)) return join(path, 'lint.cache');
  return path;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const withServerVersion = (exact: number | undefined): { pgServerVersion?: number } => (exact !== undefined ? { pgServerVersion: exact } : {});
