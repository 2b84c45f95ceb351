import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { rules as registeredRules } from '../../rules/index.js';
import { ConfigError, UsageError } from '../errors.js';
import type { ChangeSelection } from '../migrations/changed-files.js';
import { discoverMigrations, readMigrationSource } from '../migrations/discover.js';
import type { Layout, MigrationFile } from '../migrations/migration.js';
import { isInside, mergeByVersion, type ProjectLayout } from '../migrations/project.js';
import { Catalog } from '../schema/catalog.js';
import { loadParser } from '../sql/pg-parser.js';
import { defaultConfig, loadConfig, suggest, type PgtandemConfig } from './config.js';
import { loadPluginRules } from './plugins.js';
import type { Finding, LintResult } from './finding.js';
import { historyRoot, isFile, lintHistory, type HistoryStep } from './history.js';
import { shippedHistory } from './baseline.js';
import { LintCache } from './lint-cache.js';
import { lintMigrationFile, replayMigrationFile } from './lint-file.js';
import { lintScriptMigration, replayScriptMigration } from './lint-script.js';
import type { Rule } from './rule.js';

/** An in-memory migration to lint (library use, editors, tests). */
export interface LintSource {
  path: string;
  text: string;
  /** The layout to read it as; by default guessed from the path and text like a file on disk. */
  layout?: Layout;
}

export interface LintOptions {
  /** Files, directories or globs. Defaults to the config's `migrationsDir` when no sources are given either. */
  paths?: string[];
  sources?: LintSource[];
  /** Settings that override the config file's. */
  config?: Partial<PgtandemConfig>;
  /** Read this config file instead of searching for one from `cwd`; `false` reads none. */
  configFile?: string | false;
  /** Only files added or changed since a git ref, or staged. */
  changes?: ChangeSelection;
  cwd?: string;
  /**
   * The schema before the first migration (a live database's catalog); copied, never changed.
   * Defaults to an empty database.
   */
  catalog?: Catalog;
  /** Report the migrations at or before the config's `baseline` too (they are replayed only, by default). */
  all?: boolean;
  /**
   * TypeScript/JavaScript migrations are linted by calling their phase functions against a recording
   * Kysely; one that has not finished after this long (default 5000 ms) is reported and left behind.
   */
  scriptTimeoutMs?: number;
  /**
   * Keep what each file's lint found in this file and reuse it while the file, every file
   * before it in its history and the config are unchanged (`lint --cache`). Not with `catalog`
   * (a live database changes without the files changing) nor with plugin rules (their code is
   * not part of the key); a history with TypeScript/JavaScript migrations is linted afresh.
   */
  cache?: string;
}

/** Every rule pgtandem knows, in id order. */
export const rules: readonly Rule[] = registeredRules;

/**
 * Lints migrations and returns the findings. Never prints and never exits;
 * throws a `PgtandemError` for usage and configuration problems.
 */
export async function lint(options: LintOptions = {}): Promise<LintResult> {
  const cwd = options.cwd ?? process.cwd();
  const { config, configDir, configPath, fileRules } = await resolveConfig(options, cwd);
  if (options.cache !== undefined && options.catalog) throw new UsageError('--cache cannot be used with a live database\'s catalog (--database-url): the database changes without the files changing');
  if (options.cache !== undefined && config.plugins?.length) throw new UsageError('--cache cannot be used with plugin rules (config "plugins"): their code is not part of what the cache is keyed on');
  const active = config.plugins?.length ? [...rules, ...(await loadPluginRules(config.plugins, configDir, rules.map((r) => r.id)))] : rules;
  const ids = active.map((r) => r.id);
  for (const id of Object.keys(config.rules)) {
    if (ids.includes(id)) continue;
    // An id from the config file is checked here once its plugins are loaded: the file's error, as the loader words it.
    if (configPath && fileRules.has(id)) throw new ConfigError(configPath, `unknown rule "${id}" in rules (not built in, nor in the plugins)${suggest(id, ids)}`);
    throw new UsageError(`unknown rule "${id}"`);
  }

  const discoveryOptions = { assumeInTransaction: config.assumeInTransaction };
  const project: ProjectLayout = { ...(config.migrationsDir ? { migrationsDir: config.migrationsDir } : {}), history: config.history };
  const files: MigrationFile[] = (options.sources ?? []).map((s) => readMigrationSource(s.path, s.text, discoveryOptions, s.layout));
  let paths = options.paths ?? [];
  if (paths.length === 0 && files.length === 0) {
    if (!config.migrationsDir && config.history.length === 0) throw new UsageError('no paths given and no "migrationsDir" in pgtandem.config.json');
    paths = [...(config.migrationsDir ? [config.migrationsDir] : []), ...config.history];
  }
  if (paths.length > 0) {
    const discovery = await discoverMigrations(
      paths.map((p) => resolvePath(cwd, p)),
      discoveryOptions,
    );
    // A CI gate pointed at the wrong folder must not pass silently.
    if (discovery.migrations.length === 0) {
      const skipped = discovery.skipped.length > 0 ? ` (skipped ${discovery.skipped.length}: ${discovery.skipped[0]!.path}: ${discovery.skipped[0]!.reason}${discovery.skipped.length > 1 ? ', …' : ''})` : '';
      throw new UsageError(`no SQL migrations found in ${paths.join(', ')}${skipped}`);
    }
    files.push(...discovery.migrations.map((file) => ownedAs(file, project, cwd, config.assumeInTransaction)));
  }

  let selected = files;
  if (options.changes) {
    // Loaded on use: only --since and --staged run git (child_process).
    const { changedFiles } = await import('../migrations/changed-files.js');
    const changed = await changedFiles(cwd, options.changes);
    selected = files.filter((f) => changed.has(resolve(cwd, f.path)));
  }

  // The project's folders (migrationsDir and history) are one history; other files, one per directory.
  // Without history folders every directory stays its own history, as it always was.
  const inProject = (file: MigrationFile): boolean => config.history.length > 0 && isProjectFile(file, project, cwd);
  const projectOrder = files.some(inProject) ? await projectReplayOrder(project, files, paths, cwd, discoveryOptions) : [];
  const baseline = options.all ? new Set<MigrationFile>() : shippedHistory(config.baseline, files, projectOrder, namedOneByOne(paths, cwd));
  const baselined = selected.filter((f) => baseline.has(f));
  if (baselined.length > 0) selected = selected.filter((f) => !baseline.has(f));

  // Each file is linted against the schema the migrations of its history before it leave.
  // Which files are linted (paths, --all, --since) is no part of the key: a file's findings do not depend on it.
  const cache = options.cache === undefined ? undefined : await LintCache.open(options.cache, config);
  const histories = new Map<string, HistoryState>();
  const historyOf = (file: MigrationFile): HistoryState => {
    // Files named relative to cwd and siblings found by absolute path share a history.
    const root = inProject(file) ? PROJECT : resolve(cwd, historyRoot(file));
    let state = histories.get(root);
    if (!state) histories.set(root, (state = { chain: cache?.start(root) ?? '', cached: cache !== undefined, behind: [], steps: 0 }));
    return state;
  };
  // The schema before the history's next file: a kept one, or a new one, and the files since caught up.
  const catalogOf = async (state: HistoryState): Promise<Catalog> => {
    if (!state.catalog) {
      const kept = state.behind.findLastIndex((step) => cache!.hasCatalog(step.chain));
      if (kept >= 0) {
        state.catalog = cache!.catalog(state.behind[kept]!.chain)!;
        state.behind = state.behind.slice(kept + 1);
      } else {
        state.catalog = options.catalog ? options.catalog.clone() : new Catalog();
        // A live database says which release it runs; otherwise the config may (`"pgVersion": "14.2"`).
        if (state.catalog.serverVersionNum === undefined && config.pgServerVersion !== undefined) state.catalog.serverVersionNum = config.pgServerVersion;
      }
    }
    if (state.behind.length > 0) {
      await loadParser();
      // Files the cache answered for, replayed now that a file after them needs their schema.
      for (const { file } of state.behind) replayMigrationFile(file, { catalog: state.catalog, pgVersion: config.pgVersion });
      state.behind = [];
    }
    return state.catalog;
  };
  const chosen = new Set(selected);
  const history = [
    ...projectSteps(projectOrder, chosen),
    ...(await lintHistory(files.filter((f) => !inProject(f)), chosen, paths, cwd, discoveryOptions)),
  ];
  const findings: Finding[] = [];
  const linted: LintResult['files'] = [];
  for (const { file, lint: toLint } of history) {
    const state = historyOf(file);
    state.steps++;
    // A TypeScript/JavaScript migration's SQL depends on the code it imports, which no key covers.
    if (file.script && state.cached) {
      await catalogOf(state);
      state.cached = false;
    }
    if (state.cached) {
      state.chain = cache!.next(state.chain, file, resolve(cwd, file.path));
      const known = toLint ? cache!.findings(state.chain, file) : undefined;
      if (!toLint || known) {
        if (known) {
          findings.push(...known.findings);
          linted.push({ path: file.path, statements: known.statements, layout: file.layout, text: file.text });
        }
        // Its schema is replayed only if a later file is linted afresh.
        state.behind.push({ file, chain: state.chain });
        continue;
      }
    }
    const catalog = await catalogOf(state);
    await loadParser();
    if (!toLint) {
      // A live database's catalog already holds what the applied history did.
      // A TypeScript/JavaScript migration's SQL exists only when it runs: it is recorded (run against no database).
      if (!options.catalog) {
        if (file.script) await replayScriptMigration(catalog, file, config.pgVersion, options.scriptTimeoutMs);
        else replayMigrationFile(file, { catalog, pgVersion: config.pgVersion });
      }
      continue;
    }
    const fileOptions = {
      pgVersion: config.pgVersion,
      runner: config.runner,
      ...(config.tenantSchemas ? { tenantSchemas: config.tenantSchemas } : {}),
      rules: active,
      settings: config.rules,
      catalog,
      // Sizes come only with a live database's catalog.
      tableSizes: options.catalog !== undefined,
      ...(config.smallTableRows !== undefined ? { smallTableRows: config.smallTableRows } : {}),
    };
    const result = file.script
      ? await lintScriptMigration(file, { ...fileOptions, ...(options.scriptTimeoutMs !== undefined ? { scriptTimeoutMs: options.scriptTimeoutMs } : {}) })
      : lintMigrationFile(file, fileOptions);
    cache?.linted(state.cached ? state.chain : undefined, file, result.findings, result.statements);
    findings.push(...result.findings);
    linted.push({ path: file.path, statements: result.statements, layout: file.layout, text: file.text });
  }
  if (cache) {
    // The schema at the end of each history this run had to build: the next run starts a file added there from it.
    for (const state of histories.values()) {
      if (state.cached && state.catalog && state.steps >= MIN_STEPS_TO_KEEP_SCHEMA) cache.rememberCatalog(state.chain, await catalogOf(state));
    }
  }
  const cacheReport = cache ? await saveCache(cache) : undefined;
  return {
    files: linted,
    findings,
    rules: active,
    summary: {
      files: linted.length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warn').length,
      ...(baselined.length > 0 && config.baseline !== undefined ? { baseline: { version: config.baseline, files: baselined.length } } : {}),
    },
    ...(cacheReport ? { cache: cacheReport } : {}),
  };
}

/** Where one history (a folder, or the project's folders) stands during a run. */
interface HistoryState {
  /** The cache's hash chain up to the last file seen. */
  chain: string;
  /** Whether the cache answers for this history (until a TypeScript/JavaScript migration in it). */
  cached: boolean;
  /** The schema after the files seen, minus `behind`; built only when some file is linted afresh. */
  catalog?: Catalog;
  /** Files the cache answered for since `catalog` (or from the start), not yet replayed. */
  behind: { file: MigrationFile; chain: string }[];
  steps: number;
}

/**
 * The shortest history whose schema is kept: a project with one migration per folder has hundreds of
 * one-file histories, which replay in no time and would crowd the cache's bounded room for schemas.
 */
const MIN_STEPS_TO_KEEP_SCHEMA = 4;

async function saveCache(cache: LintCache): Promise<NonNullable<LintResult['cache']>> {
  const report = { path: cache.path, hits: cache.hits, misses: cache.misses, schemas: cache.schemas };
  try {
    await cache.save();
    return report;
  } catch (error) {
    // The findings stand; only the next run is slower.
    return { ...report, writeError: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
  }
}

const PROJECT = '\0project';

/** A file found in a history folder is applied by that folder's tool; a native-looking one there is plain SQL. */
function ownedAs(file: MigrationFile, project: ProjectLayout, cwd: string, assumeInTransaction: boolean): MigrationFile {
  const path = resolve(cwd, file.path);
  if (!project.history.some((dir) => isInside(path, resolve(cwd, dir)))) return file;
  return { ...file, appliedBy: 'tool', ...(file.layout === 'native' ? { layout: 'plain' as const, inTransaction: assumeInTransaction } : {}) };
}

function isProjectFile(file: MigrationFile, project: ProjectLayout, cwd: string): boolean {
  const path = resolve(cwd, file.path);
  return [...(project.migrationsDir ? [project.migrationsDir] : []), ...project.history].some((dir) => isInside(path, resolve(cwd, dir)));
}

/**
 * The project's files in the order they reach a database, the instances being
 * linted standing in for their twins; a folder the paths did not cover is
 * discovered for its history.
 */
async function projectReplayOrder(project: ProjectLayout, files: readonly MigrationFile[], paths: readonly string[], cwd: string, options: { assumeInTransaction: boolean }): Promise<MigrationFile[]> {
  const covered = paths.map((p) => resolve(cwd, p));
  const folders = [...project.history.map((dir) => ({ dir, tool: true })), ...(project.migrationsDir ? [{ dir: project.migrationsDir, tool: false }] : [])];
  const groups: MigrationFile[][] = [];
  for (const { dir } of folders) {
    const folder = resolve(cwd, dir);
    const inFolder = (f: MigrationFile): boolean => isInside(resolve(cwd, f.path), folder) && (dir !== project.migrationsDir || !f.appliedBy);
    if (covered.some((p) => isInside(folder, p))) {
      groups.push(files.filter(inFolder));
      continue;
    }
    const found = await discoverMigrations([folder], options).catch(() => ({ migrations: [] as MigrationFile[] }));
    groups.push(found.migrations.filter(inFolder).map((f) => ownedAs(f, project, cwd, options.assumeInTransaction)));
  }
  const ordered = groups.reduce(mergeByVersion, []);
  // In-memory sources under a project path that the folders do not hold keep their place at the end.
  const placed = new Set(ordered);
  return [...ordered, ...files.filter((f) => isProjectFile(f, project, cwd) && !placed.has(f))];
}

function projectSteps(order: readonly MigrationFile[], selected: ReadonlySet<MigrationFile>): HistoryStep[] {
  const last = order.findLastIndex((f) => selected.has(f));
  return order.slice(0, last + 1).map((file) => ({ file, lint: selected.has(file) }));
}

/** Files named one by one on the command line: always linted, baseline or not (someone asked). */
function namedOneByOne(paths: readonly string[], cwd: string): (file: MigrationFile) => boolean {
  const named = new Set(paths.map((p) => resolve(cwd, p)).filter((p) => isFile(p)));
  return (file) => named.has(resolve(cwd, file.path));
}

async function resolveConfig(options: LintOptions, cwd: string): Promise<{ config: PgtandemConfig; configDir: string; configPath: string | undefined; fileRules: ReadonlySet<string> }> {
  const knownRules = rules.map((r) => r.id);
  const loaded =
    options.configFile === false
      ? { config: defaultConfig(), path: undefined }
      : await loadConfig({ cwd, knownRules, ...(options.configFile ? { explicitPath: options.configFile } : {}) });
  const base = loaded.config;
  // migrationsDir and history are relative to the file that names them, wherever pgtandem runs from.
  if (loaded.path) {
    const fromConfig = (dir: string): string => (isAbsolute(dir) ? dir : relative(cwd, resolve(dirname(loaded.path!), dir)) || '.');
    if (base.migrationsDir) base.migrationsDir = fromConfig(base.migrationsDir);
    base.history = base.history.map(fromConfig);
  }
  const merged: PgtandemConfig = { ...base, ...options.config, rules: { ...base.rules, ...options.config?.rules } };
  // A major given over the file's release ("14.2") makes the release unknown again.
  if (options.config?.pgVersion !== undefined && options.config.pgServerVersion === undefined) delete merged.pgServerVersion;
  // Rule ids are checked by lint() once plugin rules are loaded.
  return { config: merged, configDir: loaded.path ? dirname(loaded.path) : cwd, configPath: loaded.path, fileRules: new Set(Object.keys(base.rules)) };
}

/** Paths stay as the user wrote them (findings show them), globs included. */
function resolvePath(cwd: string, path: string): string {
  return cwd === process.cwd() ? path : resolve(cwd, path);
}
