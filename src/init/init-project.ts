import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import { DEFAULT_PG_VERSION } from '../lint/config.js';
import { SQUAWK_RULES } from '../lint/squawk-rules.js';
import { DEFAULT_RUNNER_SETTINGS } from '../runner/settings.js';
import { describeFolder, detectMigrations, type DetectedMigrations } from './detect-layout.js';
import { discoverMigrations } from '../migrations/discover.js';
import { deployCommand } from '../migrations/foreign-tool.js';
import { parseSquawkToml, type SquawkSettings } from './squawk-toml.js';

export const CONFIG_FILE = 'pgtandem.config.json';
/** Where pgtandem's own phased migrations go beside a folder another tool applies. */
export const PGTANDEM_FOLDER = 'pgtandem/migrations';
const SCHEMA_IN_PACKAGE = 'node_modules/pgtandem/schema/pgtandem.config.schema.json';

export interface InitOptions {
  /** The project root: the config is written here. */
  cwd: string;
  /** The migrations folder to use (created when missing) instead of detecting one. */
  dir?: string;
  /** Read squawk's settings: `true` for `.squawk.toml` in `cwd`, or a path. */
  fromSquawk?: string | true;
  /** Overwrite an existing pgtandem.config.json. */
  force?: boolean;
  /** pgtandem's version, for the `$schema` URL when the package is not installed locally. */
  toolVersion: string;
  /** Rule ids of this pgtandem: only those can be set in `rules`. */
  knownRules: readonly string[];
}

export interface InitResult {
  configPath: string;
  /** The JSON written. */
  config: Record<string, unknown>;
  /** As written in the config: relative to it, with `/`. */
  migrationsDir: string;
  createdMigrationsDir: boolean;
  /** The folder another tool applies, kept as history (its files stay the tool's). */
  history: string[];
  /** The newest migration already present: lint reports only what comes after it. */
  baseline: string | undefined;
  /** The layout found in the migrations folder, when it holds migrations. */
  detected: Omit<DetectedMigrations, 'dir'> | undefined;
  /** What was carried over from squawk, and what was not. */
  notes: string[];
}

/**
 * `pgtandem init`: writes pgtandem.config.json (with `$schema`) for the project
 * in `cwd` and creates its migrations folder if missing. Refuses to overwrite a
 * config unless `force` ({@link UsageError}, exit 2).
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const root = resolve(options.cwd);
  const configPath = join(root, CONFIG_FILE);
  if (existsSync(configPath) && !options.force) throw new UsageError(`${CONFIG_FILE} already exists: pass --force to overwrite it`);

  const squawk = options.fromSquawk === undefined ? undefined : await readSquawk(root, options.fromSquawk === true ? '.squawk.toml' : options.fromSquawk);

  let migrationsDir: string;
  let detected: Omit<DetectedMigrations, 'dir'> | undefined;
  let createdMigrationsDir = false;
  if (options.dir !== undefined) {
    const path = resolve(root, options.dir);
    migrationsDir = toConfigPath(root, path);
    detected = await describeFolder(path);
    if (!existsSync(path)) {
      await mkdir(path, { recursive: true });
      createdMigrationsDir = true;
    }
  } else {
    const found = await detectMigrations(root);
    if (found) {
      migrationsDir = found.dir;
      detected = { layout: found.layout, migrations: found.migrations };
    } else {
      migrationsDir = 'migrations';
      if (!existsSync(join(root, migrationsDir))) {
        await mkdir(join(root, migrationsDir), { recursive: true });
        createdMigrationsDir = true;
      }
    }
  }

  // A foreign tool keeps applying its own folder: it becomes history, and pgtandem's phased migrations get a folder of their own.
  let history: string[] = [];
  const foreign = detected !== undefined && detected.layout !== 'native' && detected.layout !== 'plain' && options.dir === undefined;
  if (foreign) {
    history = [migrationsDir];
    migrationsDir = PGTANDEM_FOLDER;
    if (!existsSync(join(root, migrationsDir))) {
      await mkdir(join(root, migrationsDir), { recursive: true });
      createdMigrationsDir = true;
    }
  }
  const baseline = detected ? await newestVersion(join(root, history[0] ?? migrationsDir)) : undefined;

  const notes: string[] = [];
  const rules = squawk ? squawkRuleSettings(squawk, options.knownRules, notes) : {};
  const comment = [
    'Written by `pgtandem init`. JSON has no comments: every setting is described in the $schema (editors show it on hover).',
    foreign
      ? `history: ${detected!.migrations} ${detected!.layout} migration${detected!.migrations === 1 ? '' : 's'} in ${history[0]}, which ${deployCommand(detected!.layout)} keeps applying: pgtandem replays them for the schema and lints them as that tool runs them, and never runs them. migrationsDir: pgtandem's own phased migrations (<version>_<name>.sql with -- pgtandem:expand / migrate / contract / abort sections; use the history's version scheme, e.g. a timestamp, so both merge in order). A phased file must not go into ${history[0]}: its tool would run every section at once.`
      : detected
        ? `migrationsDir: ${detected.migrations} ${detected.layout} migration${detected.migrations === 1 ? '' : 's'} found there.`
        : 'migrationsDir: new pgtandem migrations go here, one file per change: <version>_<name>.sql with -- pgtandem:expand / migrate / contract / abort sections.',
    ...(baseline ? [`baseline: the newest migration already there (${baseline}): lint replays it and everything before it, and reports only what comes after (pgtandem lint --all reports everything).`] : []),
    'The runner settings are the defaults. Set oldReleaseApplicationName (a LIKE pattern such as "myapp@v1%") so contract refuses while the old release is still connected.',
    ...notes,
  ];
  const config: Record<string, unknown> = {
    $schema: existsSync(join(root, SCHEMA_IN_PACKAGE)) ? `./${SCHEMA_IN_PACKAGE}` : `https://unpkg.com/pgtandem@${options.toolVersion}/schema/pgtandem.config.schema.json`,
    $comment: comment,
    migrationsDir,
    ...(history.length > 0 ? { history } : {}),
    ...(baseline ? { baseline } : {}),
    pgVersion: squawk?.pgVersion ?? DEFAULT_PG_VERSION,
    assumeInTransaction: squawk?.assumeInTransaction ?? true,
    runner: 'pgtandem',
    lockTimeout: formatDuration(DEFAULT_RUNNER_SETTINGS.lockTimeout),
    // 0: none ("0ms" would read as a mistake).
    statementTimeout: DEFAULT_RUNNER_SETTINGS.statementTimeout || formatDuration(DEFAULT_RUNNER_SETTINGS.statementTimeout),
    lockRetryDeadline: formatDuration(DEFAULT_RUNNER_SETTINGS.lockRetryDeadline),
    batchSize: DEFAULT_RUNNER_SETTINGS.batchSize,
    batchDelayMs: formatDuration(DEFAULT_RUNNER_SETTINGS.batchDelayMs),
    batchTargetMs: formatDuration(DEFAULT_RUNNER_SETTINGS.batchTargetMs),
    rules,
  };
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { flag: options.force ? 'w' : 'wx' });
  return { configPath, config, migrationsDir, createdMigrationsDir, history, baseline, detected, notes };
}

async function readSquawk(root: string, file: string): Promise<SquawkSettings> {
  let text: string;
  try {
    text = await readFile(resolve(root, file), 'utf8');
  } catch (error) {
    throw new ConfigError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (--from-squawk reads .squawk.toml unless given a file)' : `cannot read: ${(error as Error).message}`, undefined, { cause: error });
  }
  return parseSquawkToml(file, text);
}

/**
 * squawk's `excluded_rules` as pgtandem rule settings: a squawk rule turns off
 * the pgtandem rules that flag the same statements; the rest stay on, and the
 * notes say which and why.
 */
function squawkRuleSettings(squawk: SquawkSettings, knownRules: readonly string[], notes: string[]): Record<string, 'off'> {
  const rules: Record<string, 'off'> = {};
  const broader: string[] = [];
  const squawkOnly: string[] = [];
  const unknown: string[] = [];
  for (const id of squawk.excludedRules) {
    const mapping = Object.hasOwn(SQUAWK_RULES, id) ? SQUAWK_RULES[id]! : undefined;
    if (!mapping) unknown.push(id);
    else if (mapping.covered.length === 0) squawkOnly.push(id);
    else if (!mapping.sameScope) broader.push(`${id} (${mapping.covered.join(', ')} flags more)`);
    else for (const covered of mapping.covered) if (knownRules.includes(covered)) rules[covered] = 'off';
  }
  if (squawk.excludedRules.length > 0) notes.push(`From .squawk.toml excluded_rules: turned off ${Object.keys(rules).join(', ') || 'nothing'}.`);
  if (broader.length > 0) notes.push(`Kept on, as pgtandem's rule is broader than squawk's: ${broader.join('; ')}.`);
  if (squawkOnly.length > 0) notes.push(`squawk-only rules, nothing to turn off here: ${squawkOnly.join(', ')}.`);
  if (unknown.length > 0) notes.push(`Not squawk 2.66 rules, ignored: ${unknown.join(', ')}.`);
  if (squawk.pgVersion !== undefined) notes.push(`pgVersion from squawk's pg_version.`);
  if (squawk.assumeInTransaction !== undefined) notes.push(`assumeInTransaction from squawk's assume_in_transaction.`);
  if (squawk.otherKeys.length > 0) notes.push(`Not carried over from .squawk.toml: ${squawk.otherKeys.join(', ')} (pass paths to pgtandem lint instead of excluded_paths).`);
  return rules;
}

/** The version of a folder's newest migration, as `baseline` takes it. */
async function newestVersion(dir: string): Promise<string | undefined> {
  const { migrations } = await discoverMigrations([dir]);
  const versioned = migrations.filter((m) => m.version.length > 0);
  return versioned.at(-1)?.version.join('.');
}

function toConfigPath(root: string, path: string): string {
  const rel = relative(root, path);
  if (rel === '') return '.';
  return isAbsolute(rel) ? path : rel.split(sep).join('/');
}
