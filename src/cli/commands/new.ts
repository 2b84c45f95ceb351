import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { detectMigrations, MIGRATION_FOLDERS } from '../../init/detect-layout.js';
import { loadConfig, projectFolders } from '../../lint/config.js';
import { rules } from '../../lint/lint.js';
import { discoverMigrations } from '../../migrations/discover.js';
import { discoverProject, mergeByVersion } from '../../migrations/project.js';
import { kebab, type RecipeFlags } from '../../recipes/recipe.js';
import { recipes } from '../../recipes/registry.js';
import { scaffoldMigration } from '../../recipes/scaffold.js';
import { withFlagSteps } from '../../recipes/flag-steps.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';

export interface NewCommandOptions extends RecipeFlags {
  dir?: string;
  config?: string;
  name?: string;
  stdout?: boolean;
  /** A feature flag ships the change: each section says which step of its rollout goes with it. */
  featureFlag?: string;
}

/** `pgtandem new <recipe> [args…]`: writes `<version>_<name>.sql` into the migrations directory (or prints it) and says where. */
export async function newCommand(recipe: string, args: string[], options: NewCommandOptions, io: CliIO): Promise<number> {
  const loaded = await loadConfig({ cwd: io.cwd, knownRules: rules.map((r) => r.id), ...(options.config ? { explicitPath: options.config } : {}) });
  const dir = await migrationsDirectory(options, loaded.config.migrationsDir, loaded.path, io.cwd);
  const migrations = existsSync(dir) ? (await discoverMigrations([dir], { assumeInTransaction: loaded.config.assumeInTransaction })).migrations : [];
  const foreign = migrations.find((m) => m.layout !== 'native' && m.layout !== 'plain');
  if (foreign) throw new UsageError(`${displayPath(io.cwd, dir)} holds ${foreign.layout} migrations; pgtandem new writes native <version>_<name>.sql files (pass --dir for a native folder, and list ${displayPath(io.cwd, dir)} under "history" in pgtandem.config.json)`);
  // The history folders (an ORM's) hold most of the schema: the recipe reads them too, and follows their version scheme.
  const history = loaded.config.history.length > 0 ? (await discoverProject({ history: projectFolders(loaded, io.cwd).history }, { assumeInTransaction: loaded.config.assumeInTransaction })).history : [];
  const replayed = mergeByVersion(history, migrations);

  const { dir: _dir, config: _config, name, stdout, featureFlag, ...flags } = options;
  if (featureFlag !== undefined && !/^[\w.:-]+$/.test(featureFlag)) throw new UsageError(`--feature-flag: "${featureFlag}" is not a flag name (letters, digits, _ . : -)`);
  const scaffold = await scaffoldMigration({
    recipe,
    args,
    flags,
    migrations: replayed,
    pgVersion: loaded.config.pgVersion,
    ...(name !== undefined ? { name } : {}),
    command: commandText(recipe, args, flags, name),
    now: new Date(),
  });
  if (featureFlag !== undefined) scaffold.text = withFlagSteps(scaffold.text, featureFlag);
  if (stdout) {
    io.stdout(scaffold.text);
    return EXIT.ok;
  }
  const path = join(dir, scaffold.fileName);
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(path, scaffold.text, { flag: 'wx' });
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') throw new UsageError(`${displayPath(io.cwd, path)} exists already; not overwriting it`);
    throw new UsageError(`cannot write ${displayPath(io.cwd, path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  io.stdout(`${displayPath(io.cwd, path)}\n`);
  return EXIT.ok;
}

/** --dir, else the config's migrationsDir, else the first usual migrations folder of the project that exists. */
async function migrationsDirectory(options: NewCommandOptions, configured: string | undefined, configPath: string | undefined, cwd: string): Promise<string> {
  if (options.dir) return resolve(cwd, options.dir);
  if (configured) return resolve(configPath ? dirname(configPath) : cwd, configured);
  const detected = await detectMigrations(cwd);
  if (detected) return resolve(cwd, detected.dir);
  const existing = MIGRATION_FOLDERS.find((f) => isDirectory(resolve(cwd, f)));
  if (existing) return resolve(cwd, existing);
  throw new UsageError('no migrations directory: pass --dir <path> or set "migrationsDir" in pgtandem.config.json (pgtandem init writes one)');
}

/** The recipes and their flags, for `pgtandem new --help`. */
export function newHelpText(): string {
  const lines = ['', 'Recipes:'];
  for (const recipe of recipes) {
    lines.push(`  ${recipe.name} ${recipe.usage}`, `      ${recipe.summary}`);
    for (const [flag, meaning] of Object.entries(recipe.options)) lines.push(`      --${kebab(flag)}${takesValue(flag) ? ` <${valueName(flag)}>` : ''}  ${meaning}`);
  }
  lines.push(
    '',
    'The migration goes to --dir, else migrationsDir from the config, else the project\'s migrations folder, as <version>_<name>.sql with',
    'the next version in the directory\'s scheme (timestamps: the current UTC time; counters: the next number, same width). What the',
    'recipe needs to know about the table (column types, NOT NULL, defaults, indexes) comes from replaying the migrations already there.',
    'An existing file is never overwritten. Types and expressions are checked with the PostgreSQL parser. See docs/recipes.md.',
    'Exit codes: 0 written (its path printed), 2 usage problem (a bad argument, a missing fact, the file exists).',
  );
  return lines.join('\n');
}

const VALUE_FLAGS: Record<string, string> = { default: 'expr', backfill: 'expr', using: 'expr', down: 'expr', merge: 'expr', type: 'type', where: 'condition' };

function takesValue(flag: string): boolean {
  return flag in VALUE_FLAGS;
}

function valueName(flag: string): string {
  return VALUE_FLAGS[flag] ?? 'value';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The command that reproduces the file, for its first comment: recipe, arguments and recipe flags (not where it was written). */
function commandText(recipe: string, args: readonly string[], flags: RecipeFlags, name: string | undefined): string {
  const words = ['pgtandem', 'new', recipe, ...args];
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    words.push(`--${kebab(flag)}`, ...(value === true ? [] : [String(value)]));
  }
  if (name !== undefined) words.push('--name', name);
  return words.map((w, i) => (i < 2 ? w : shellWord(w))).join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
