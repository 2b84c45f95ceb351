import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { detectMigrations, MIGRATION_FOLDERS } from '../init/detect-layout.js';
import { loadConfig, projectFolders } from '../lint/config.js';
import { rules } from '../lint/lint.js';
import { discoverMigrations } from '../migrations/discover.js';
import { discoverProject, mergeByVersion } from '../migrations/project.js';
import type { Catalog } from '../schema/catalog.js';
import { withFlagSteps } from './flag-steps.js';
import type { RecipeFlags } from './recipe.js';
import { recipeCommand } from './recipe-command.js';
import { scaffoldMigration } from './scaffold.js';

export interface NewMigrationOptions {
  recipe: string;
  args: readonly string[];
  flags: RecipeFlags;
  /** Where the config is looked for, and relative paths start. */
  cwd: string;
  /** An explicit config file. */
  config?: string;
  /** The migrations directory; else the config's migrationsDir, else `defaultDir`, else the project's usual migrations folder. */
  dir?: string;
  /** Where the file goes when neither `dir` nor the config names a folder (an editor: the open migration's). */
  defaultDir?: string;
  name?: string;
  /** A feature flag ships the change: each section says which step of its rollout goes with it. */
  featureFlag?: string;
  /** The schema the recipe reads instead of the directory's replayed migrations (an editor's: the schema before the statement it replaces). */
  catalog?: Catalog;
  now?: Date;
}

export interface NewMigration {
  /** Absolute path of the file to write: `<dir>/<version>_<name>.sql`. */
  path: string;
  text: string;
}

/**
 * What `pgtandem new <recipe> …` writes, and where: the recipe built against
 * the schema the project's migrations leave, named with the directory's next
 * version. Writes nothing; a directory of another tool's migrations is a
 * usage error (the file would be native).
 */
export async function newMigration(options: NewMigrationOptions): Promise<NewMigration> {
  const { cwd } = options;
  const loaded = await loadConfig({ cwd, knownRules: rules.map((r) => r.id), ...(options.config ? { explicitPath: options.config } : {}) });
  const dir = await migrationsDirectory(options, loaded.config.migrationsDir, loaded.path);
  const migrations = existsSync(dir) ? (await discoverMigrations([dir], { assumeInTransaction: loaded.config.assumeInTransaction })).migrations : [];
  const foreign = migrations.find((m) => m.layout !== 'native' && m.layout !== 'plain');
  if (foreign) throw new UsageError(`${displayPath(cwd, dir)} holds ${foreign.layout} migrations; pgtandem new writes native <version>_<name>.sql files (pass --dir for a native folder, and list ${displayPath(cwd, dir)} under "history" in pgtandem.config.json)`);
  // The history folders (an ORM's) hold most of the schema: the recipe reads them too, and follows their version scheme.
  const history = loaded.config.history.length > 0 ? (await discoverProject({ history: projectFolders(loaded, cwd).history }, { assumeInTransaction: loaded.config.assumeInTransaction })).history : [];
  const replayed = mergeByVersion(history, migrations);
  const { featureFlag, name } = options;
  if (featureFlag !== undefined && !/^[\w.:-]+$/.test(featureFlag)) throw new UsageError(`--feature-flag: "${featureFlag}" is not a flag name (letters, digits, _ . : -)`);
  const scaffold = await scaffoldMigration({
    recipe: options.recipe,
    args: options.args,
    flags: options.flags,
    migrations: replayed,
    ...(options.catalog ? { catalog: options.catalog } : {}),
    pgVersion: loaded.config.pgVersion,
    ...(name !== undefined ? { name } : {}),
    command: recipeCommand(options.recipe, options.args, options.flags, name),
    now: options.now ?? new Date(),
  });
  return { path: join(dir, scaffold.fileName), text: featureFlag === undefined ? scaffold.text : withFlagSteps(scaffold.text, featureFlag) };
}

/** --dir, else the config's migrationsDir, else the first usual migrations folder of the project that exists. */
async function migrationsDirectory(options: NewMigrationOptions, configured: string | undefined, configPath: string | undefined): Promise<string> {
  const { cwd } = options;
  if (options.dir) return resolve(cwd, options.dir);
  if (configured) return resolve(configPath ? dirname(configPath) : cwd, configured);
  if (options.defaultDir) return resolve(cwd, options.defaultDir);
  const detected = await detectMigrations(cwd);
  if (detected) return resolve(cwd, detected.dir);
  const existing = MIGRATION_FOLDERS.find((f) => isDirectory(resolve(cwd, f)));
  if (existing) return resolve(cwd, existing);
  throw new UsageError('no migrations directory: pass --dir <path> or set "migrationsDir" in pgtandem.config.json (pgtandem init writes one)');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** A path as a message shows it: relative to `cwd` when inside it. */
export function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
