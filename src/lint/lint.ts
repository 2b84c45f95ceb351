import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { rules as registeredRules } from '../../rules/index.js';
import { UsageError } from '../errors.js';
import { changedFiles, type ChangeSelection } from '../migrations/changed-files.js';
import { discoverMigrations, readMigrationSource } from '../migrations/discover.js';
import type { Layout, MigrationFile } from '../migrations/migration.js';
import { Catalog } from '../schema/catalog.js';
import { replayFile } from '../schema/replay-catalog.js';
import { loadParser } from '../sql/pg-parser.js';
import { defaultConfig, loadConfig, type PgtandemConfig } from './config.js';
import type { Finding, LintResult } from './finding.js';
import { historyRoot, lintHistory } from './history.js';
import { lintMigrationFile } from './lint-file.js';
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
  /**
   * TypeScript/JavaScript migrations are linted by calling their phase functions against a recording
   * Kysely; one that has not finished after this long (default 5000 ms) is reported and left behind.
   */
  scriptTimeoutMs?: number;
}

/** Every rule pgtandem knows, in id order. */
export const rules: readonly Rule[] = registeredRules;

/**
 * Lints migrations and returns the findings. Never prints and never exits;
 * throws a `PgtandemError` for usage and configuration problems.
 */
export async function lint(options: LintOptions = {}): Promise<LintResult> {
  const cwd = options.cwd ?? process.cwd();
  const config = await resolveConfig(options, cwd);
  await loadParser();

  const discoveryOptions = { assumeInTransaction: config.assumeInTransaction };
  const files: MigrationFile[] = (options.sources ?? []).map((s) => readMigrationSource(s.path, s.text, discoveryOptions, s.layout));
  let paths = options.paths ?? [];
  if (paths.length === 0 && files.length === 0) {
    if (!config.migrationsDir) throw new UsageError('no paths given and no "migrationsDir" in pgtandem.config.json');
    paths = [config.migrationsDir];
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
    files.push(...discovery.migrations);
  }

  let selected = files;
  if (options.changes) {
    const changed = await changedFiles(cwd, options.changes);
    selected = files.filter((f) => changed.has(resolve(cwd, f.path)));
  }

  // Each file is linted against the schema the migrations of its directory before it leave.
  const catalogs = new Map<string, Catalog>();
  const catalogOf = (file: MigrationFile): Catalog => {
    // Files named relative to cwd and siblings found by absolute path share a history.
    const root = resolve(cwd, historyRoot(file));
    let catalog = catalogs.get(root);
    if (!catalog) catalogs.set(root, (catalog = options.catalog ? options.catalog.clone() : new Catalog()));
    return catalog;
  };
  const history = await lintHistory(files, new Set(selected), paths, cwd, discoveryOptions);
  const findings: Finding[] = [];
  const linted: LintResult['files'] = [];
  for (const { file, lint: toLint } of history) {
    const catalog = catalogOf(file);
    if (!toLint) {
      // A live database's catalog already holds what the applied history did.
      // A TypeScript/JavaScript migration's SQL exists only when it runs: it is recorded (run against no database).
      if (!options.catalog) {
        if (file.script) await replayScriptMigration(catalog, file, options.scriptTimeoutMs);
        else replayFile(catalog, file);
      }
      continue;
    }
    const fileOptions = { rules, settings: config.rules, pgVersion: config.pgVersion, runner: config.runner, catalog, ...(config.smallTableRows !== undefined ? { smallTableRows: config.smallTableRows } : {}) };
    const result = file.script
      ? await lintScriptMigration(file, { ...fileOptions, ...(options.scriptTimeoutMs !== undefined ? { scriptTimeoutMs: options.scriptTimeoutMs } : {}) })
      : lintMigrationFile(file, fileOptions);
    findings.push(...result.findings);
    linted.push({ path: file.path, statements: result.statements, layout: file.layout, text: file.text });
  }
  return {
    files: linted,
    findings,
    summary: {
      files: linted.length,
      errors: findings.filter((f) => f.severity === 'error').length,
      warnings: findings.filter((f) => f.severity === 'warn').length,
    },
  };
}

async function resolveConfig(options: LintOptions, cwd: string): Promise<PgtandemConfig> {
  const knownRules = rules.map((r) => r.id);
  const loaded =
    options.configFile === false
      ? { config: defaultConfig(), path: undefined }
      : await loadConfig({ cwd, knownRules, ...(options.configFile ? { explicitPath: options.configFile } : {}) });
  const base = loaded.config;
  // migrationsDir is relative to the file that names it, wherever pgtandem runs from.
  if (loaded.path && base.migrationsDir && !isAbsolute(base.migrationsDir)) {
    base.migrationsDir = relative(cwd, resolve(dirname(loaded.path), base.migrationsDir)) || '.';
  }
  const merged: PgtandemConfig = { ...base, ...options.config, rules: { ...base.rules, ...options.config?.rules } };
  for (const id of Object.keys(merged.rules)) {
    if (!knownRules.includes(id)) throw new UsageError(`unknown rule "${id}"`);
  }
  return merged;
}

/** Paths stay as the user wrote them (findings show them), globs included. */
function resolvePath(cwd: string, path: string): string {
  return cwd === process.cwd() ? path : resolve(cwd, path);
}
