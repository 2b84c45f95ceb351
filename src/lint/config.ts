import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { SourceText } from '../sql/source-text.js';
import { parseDuration } from './duration.js';
import { parseThrottleConfig, type ThrottleConfig } from './throttle-config.js';
import type { RuleSetting } from './severity.js';

/** `pgtandem.config.json`, or the `pgtandem` key of package.json (DESIGN.md §6). */
export interface PgtandemConfig {
  /** The folder pgtandem's runner applies: its own phased migrations (or a foreign tool's folder it took over). */
  migrationsDir?: string;
  /**
   * Folders another tool applies (Prisma's `prisma/migrations`, a Flyway folder): pgtandem never runs them,
   * replays them with `migrationsDir` as one history (in version order), and lints them as their tool runs them.
   */
  history: string[];
  /**
   * Migrations at or before this version (in every folder) are shipped history: replayed for the schema,
   * not reported by lint (`--all` reports them). The runner ignores it.
   */
  baseline?: string;
  pgVersion: number;
  /**
   * The exact server release as `server_version_num` (140002), when `pgVersion` names it ("14.2"):
   * a few hazards are bugs of particular minor releases.
   */
  pgServerVersion?: number;
  assumeInTransaction: boolean;
  /** Who applies native migrations: pgtandem's runner (default), or another tool (`external`). */
  runner: 'pgtandem' | 'external';
  rules: Record<string, RuleSetting>;
  /**
   * The project's own rules: files or globs (`./lint-rules/*.ts`), relative to the config file, whose modules
   * export `defineRule({...})` objects (default export, or a list). Their ids may appear in `rules`.
   */
  plugins?: string[];
  /** Runner: `lock_timeout` of every transaction, in milliseconds. */
  lockTimeout?: number;
  /** Runner: `statement_timeout` of every transaction, in milliseconds (0 = none). */
  statementTimeout?: number;
  /** Runner: how long to keep retrying a statement that cannot get its lock, in milliseconds. */
  lockRetryDeadline?: number;
  batchSize?: number;
  /** With table sizes from a live database, lock and rewrite findings on smaller tables are warnings (default 10,000 rows). */
  smallTableRows?: number;
  batchDelayMs?: number;
  batchTargetMs?: number;
  /** Contract guard: a LIKE pattern matching the `application_name` of the old release's sessions. */
  oldReleaseApplicationName?: string;
  /** Contract's usage gate (pg_stat_statements): `auto` when readable (default), `required`, or `off`. */
  usageGate?: 'auto' | 'required' | 'off';
  /** How long the usage gate watches statements, in milliseconds (default 10 minutes). */
  usageWindow?: number;
  /** A role without pg_read_all_stats may satisfy the usage gate with the statements it sees (default false: it refuses). */
  usageGateOwnStatementsOnly?: boolean;
  /** Migrate phase: the health limits the backfill pauses at (see throttle-config.ts). */
  throttle?: ThrottleConfig;
  /**
   * The migrations run once per tenant schema (a fleet, docs/fleet.md), with search_path set to the tenant:
   * a schema-qualified name pins a statement to one schema. `shared`: schemas every tenant may name
   * (where extensions live); pg_catalog and information_schema always may.
   */
  tenantSchemas?: { shared: string[] };
}

/** The folders of a project, absolute: the one pgtandem runs and those other tools run. */
export interface ProjectFolders {
  migrationsDir?: string;
  history: string[];
}

/** `migrationsDir` and `history` resolved against the file that names them (or `cwd` without one). */
export function projectFolders(loaded: LoadedConfig, cwd: string): ProjectFolders {
  const base = loaded.path ? dirname(loaded.path) : cwd;
  const { migrationsDir, history } = loaded.config;
  return {
    ...(migrationsDir ? { migrationsDir: resolve(base, migrationsDir) } : {}),
    history: history.map((dir) => resolve(base, dir)),
  };
}

export interface LoadedConfig {
  config: PgtandemConfig;
  /** The file it came from; undefined when defaults were used. */
  path: string | undefined;
}

export const DEFAULT_PG_VERSION = 16;

export function defaultConfig(): PgtandemConfig {
  return { pgVersion: DEFAULT_PG_VERSION, assumeInTransaction: true, runner: 'pgtandem', rules: {}, history: [] };
}

const CONFIG_FILE = 'pgtandem.config.json';

/**
 * Finds the configuration by walking up from `cwd` (or reads `explicitPath`)
 * and validates it against the known rule ids.
 */
export async function loadConfig(options: { cwd: string; explicitPath?: string; knownRules: readonly string[] }): Promise<LoadedConfig> {
  if (options.explicitPath) {
    const path = resolve(options.cwd, options.explicitPath);
    const text = await readText(path);
    if (text === undefined) throw new ConfigError(options.explicitPath, 'config file not found');
    return { config: parseConfig(options.explicitPath, text, options.knownRules, false), path };
  }
  let dir = resolve(options.cwd);
  for (;;) {
    const configPath = join(dir, CONFIG_FILE);
    const text = await readText(configPath);
    if (text !== undefined) return { config: parseConfig(configPath, text, options.knownRules, false), path: configPath };
    const packagePath = join(dir, 'package.json');
    const packageText = await readText(packagePath);
    if (packageText !== undefined && hasPgtandemKey(packageText)) {
      return { config: parseConfig(packagePath, packageText, options.knownRules, true), path: packagePath };
    }
    const parent = dirname(dir);
    if (parent === dir) return { config: defaultConfig(), path: undefined };
    dir = parent;
  }
}

function hasPgtandemKey(packageJson: string): boolean {
  try {
    const parsed = JSON.parse(packageJson) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'pgtandem' in parsed;
  } catch {
    // A broken package.json that is not ours to read: keep walking up.
    return false;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(path, `cannot read: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** JSON.parse, with a syntax error as a ConfigError naming the file (and line:column where the parser gives a position). */
export function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    // "Unexpected end of JSON input" has no position: the end of the text is where it stopped.
    const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const at = offset === undefined ? undefined : new SourceText(text).position(offset);
    throw new ConfigError(file, `invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)$/, '')}`, at);
  }
}

/** Parses and validates config JSON; errors name the file, and line:column for JSON syntax errors. */
export function parseConfig(file: string, text: string, knownRules: readonly string[], fromPackageJson: boolean): PgtandemConfig {
  let raw = parseJsonFile(file, text);
  if (fromPackageJson) raw = (raw as Record<string, unknown>)?.pgtandem;
  return validateConfig(file, raw, knownRules);
}

const SETTINGS = new Set(['error', 'warn', 'info', 'off']);
const KEYS = new Set([
  '$schema',
  // Notes for people (`pgtandem init` writes them there: JSON has no comments).
  '$comment',
  'migrationsDir',
  'history',
  'baseline',
  'pgVersion',
  'assumeInTransaction',
  'runner',
  'rules',
  'plugins',
  'lockTimeout',
  'statementTimeout',
  'lockRetryDeadline',
  'batchSize',
  'smallTableRows',
  'batchDelayMs',
  'batchTargetMs',
  'oldReleaseApplicationName',
  // DESIGN.md §6 spells it so; the same setting.
  'oldVersionApplicationName',
  'usageGate',
  'usageWindow',
  'usageGateOwnStatementsOnly',
  'throttle',
  'tenantSchemas',
]);

export function validateConfig(file: string, raw: unknown, knownRules: readonly string[]): PgtandemConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, 'configuration must be a JSON object');
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) {
      const known = [...KEYS].filter((k) => !k.startsWith('$'));
      throw new ConfigError(file, `unknown setting "${key}"${suggest(key, known) || ` (known: ${known.join(', ')})`}`);
    }
  }
  const config = defaultConfig();
  if (input.migrationsDir !== undefined) config.migrationsDir = expectString(file, 'migrationsDir', input.migrationsDir);
  if (input.history !== undefined) {
    const list = typeof input.history === 'string' ? [input.history] : input.history;
    if (!Array.isArray(list) || list.some((dir) => typeof dir !== 'string' || dir === '')) {
      throw new ConfigError(file, 'history must be a folder or a list of folders (the migrations another tool applies, e.g. "prisma/migrations")');
    }
    config.history = list as string[];
  }
  if (input.baseline !== undefined) {
    const baseline = typeof input.baseline === 'number' ? String(input.baseline) : input.baseline;
    if (typeof baseline !== 'string' || !/\d/.test(baseline)) {
      throw new ConfigError(file, `baseline must be a migration version such as "0042" or "20240101120000", got ${JSON.stringify(input.baseline)}`);
    }
    config.baseline = baseline;
  }
  if (input.pgVersion !== undefined) {
    config.pgVersion = parsePgVersion(input.pgVersion, (m) => new ConfigError(file, `pgVersion: ${m}`));
    const exact = pgServerVersion(input.pgVersion);
    if (exact !== undefined) config.pgServerVersion = exact;
  }
  if (input.assumeInTransaction !== undefined) {
    if (typeof input.assumeInTransaction !== 'boolean') throw new ConfigError(file, 'assumeInTransaction must be true or false');
    config.assumeInTransaction = input.assumeInTransaction;
  }
  if (input.tenantSchemas !== undefined && input.tenantSchemas !== false) {
    const value = input.tenantSchemas;
    const shared = value === true ? [] : typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { shared?: unknown }).shared ?? [] : undefined;
    const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
    if (shared === undefined || keys.some((k) => k !== 'shared') || !Array.isArray(shared) || shared.some((s) => typeof s !== 'string' || s === '')) {
      throw new ConfigError(file, 'tenantSchemas must be true, false or { "shared": ["extensions"] } (schemas every tenant may name)');
    }
    config.tenantSchemas = { shared: shared as string[] };
  }
  if (input.runner !== undefined) {
    if (input.runner !== 'pgtandem' && input.runner !== 'external') throw new ConfigError(file, 'runner must be "pgtandem" or "external"');
    config.runner = input.runner;
  }
  if (input.plugins !== undefined) {
    const list = typeof input.plugins === 'string' ? [input.plugins] : input.plugins;
    if (!Array.isArray(list) || list.some((p) => typeof p !== 'string' || p === '')) {
      throw new ConfigError(file, 'plugins must be a file or glob, or a list of them (e.g. ["./lint-rules/*.ts"])');
    }
    config.plugins = list as string[];
  }
  // With plugins, a rule id may be one of theirs: lint checks the ids once they are loaded.
  if (input.rules !== undefined) config.rules = validateRules(file, input.rules, config.plugins ? undefined : knownRules);
  for (const key of ['lockTimeout', 'statementTimeout', 'lockRetryDeadline', 'batchDelayMs', 'batchTargetMs'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    const ms = parseDuration(value);
    if (ms === undefined) throw new ConfigError(file, `${key} must be a duration such as "2s", "500ms", "5min" or a number of milliseconds, got ${JSON.stringify(value)}`);
    // batchTargetMs 0 keeps the batch size fixed; a zero lock_timeout would mean waiting forever.
    if (ms === 0 && key === 'lockTimeout') throw new ConfigError(file, `${key} must be more than 0`);
    config[key] = ms;
  }
  if (input.oldReleaseApplicationName !== undefined && input.oldVersionApplicationName !== undefined) {
    throw new ConfigError(file, 'set oldReleaseApplicationName or its alias oldVersionApplicationName, not both');
  }
  for (const key of ['oldReleaseApplicationName', 'oldVersionApplicationName'] as const) {
    if (input[key] !== undefined) config.oldReleaseApplicationName = expectString(file, key, input[key]);
  }
  if (input.usageGate !== undefined) {
    if (input.usageGate !== 'auto' && input.usageGate !== 'required' && input.usageGate !== 'off') throw new ConfigError(file, 'usageGate must be "auto", "required" or "off"');
    config.usageGate = input.usageGate;
  }
  if (input.usageWindow !== undefined) {
    const ms = parseDuration(input.usageWindow);
    if (ms === undefined || ms === 0) throw new ConfigError(file, `usageWindow must be a duration longer than 0 such as "10min" or "30s", got ${JSON.stringify(input.usageWindow)}`);
    config.usageWindow = ms;
  }
  if (input.usageGateOwnStatementsOnly !== undefined) {
    if (typeof input.usageGateOwnStatementsOnly !== 'boolean') throw new ConfigError(file, 'usageGateOwnStatementsOnly must be true or false');
    config.usageGateOwnStatementsOnly = input.usageGateOwnStatementsOnly;
  }
  if (input.smallTableRows !== undefined) {
    if (typeof input.smallTableRows !== 'number' || !Number.isInteger(input.smallTableRows) || input.smallTableRows < 0) {
      throw new ConfigError(file, 'smallTableRows must be a whole number ≥ 0 (0: never downgrade)');
    }
    config.smallTableRows = input.smallTableRows;
  }
  if (input.throttle !== undefined) config.throttle = parseThrottleConfig(file, input.throttle);
  for (const key of ['batchSize'] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ConfigError(file, `${key} must be a whole number ≥ 1`);
    }
    config[key] = value;
  }
  return config;
}

function validateRules(file: string, raw: unknown, knownRules: readonly string[] | undefined): Record<string, RuleSetting> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, 'rules must be an object of rule id → "error" | "warn" | "off"');
  const rules: Record<string, RuleSetting> = {};
  for (const [id, setting] of Object.entries(raw)) {
    if (knownRules && !knownRules.includes(id)) throw new ConfigError(file, `unknown rule "${id}" in rules${suggest(id, knownRules)}`);
    if (typeof setting !== 'string' || !SETTINGS.has(setting)) throw new ConfigError(file, `rule "${id}" must be "error", "warn" or "off"`);
    rules[id] = setting as RuleSetting;
  }
  return rules;
}

function expectString(file: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(file, `${key} must be a non-empty string`);
  return value;
}

/**
 * Accepts a PostgreSQL major version from 9 to 19, or a release ("14.2", squawk's "13.0"), and returns
 * the major; used by the config and `--pg-version`.
 */
export function parsePgVersion(value: unknown, fail: (message: string) => Error): number {
  const release = typeof value === 'string' ? /^(\d+)(?:\.\d+)?$/.exec(value.trim()) : null;
  const number = release ? Number(release[1]) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 9 || number > 19) {
    throw fail(`expected a PostgreSQL major version from 9 to 19, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** `server_version_num` of a release written with its minor ("14.2" → 140002); undefined for a bare major. */
export function pgServerVersion(value: unknown): number | undefined {
  const release = typeof value === 'string' ? /^(\d+)\.(\d+)$/.exec(value.trim()) : null;
  // Before 10 the major itself had two parts (9.6): such a release is not tracked here.
  return release && Number(release[1]) >= 10 ? Number(release[1]) * 10_000 + Number(release[2]) : undefined;
}

/** " (did you mean x?)" for a close rule id, else "". */
export function suggest(id: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(id, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(id.length / 4)) ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
