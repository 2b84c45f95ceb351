import type pg from 'pg';
import { RunnerError, UsageError } from '../errors.js';
import type { MigrationFile } from '../migrations/migration.js';
import { compareKeys } from '../runner/eligibility.js';
import { migrationKey, sectionChecksum } from '../runner/plan.js';
import { acquireRunnerLock, releaseRunnerLock } from '../runner/runner-lock.js';
import { MigrationState } from '../runner/state.js';
import { loadParser } from '../sql/pg-parser.js';
import { planBaseline, toolCommand, type BaselinePlan } from './plan-baseline.js';
import { findToolTables, readToolHistories, toolFiles } from './read-tool-histories.js';
import { checkSchema, type SchemaCheck } from './schema-check.js';
import { TOOL_TABLES, TOOLS_OF_LAYOUT } from './tool-history.js';

export interface BaselineOptions {
  client: pg.ClientBase;
  /** pgtandem's own migrations (migrationsDir), in run order; paths relative to `cwd` or absolute. */
  migrations: readonly MigrationFile[];
  /** The config's history folders (applied by their tools), and both merged in the order they reach a database. */
  history: readonly MigrationFile[];
  replayOrder: readonly MigrationFile[];
  cwd: string;
  /** Mark every migration up to this version as applied, by hand, instead of reading the tool's table. */
  to?: string;
  dryRun?: boolean;
  /** Adopt despite checksum mismatches and schema differences (they are still reported). */
  force?: boolean;
  lockWaitMs: number;
}

export interface BaselineResult {
  plan: BaselinePlan;
  schema: SchemaCheck;
  dryRun: boolean;
  /** Why it would refuse without --force (empty when it would not); with --force, what it went past. */
  overridden: string[];
}

/**
 * `pgtandem baseline`: records the migrations a database already has as
 * contracted in pgtandem's state, so the runner takes over from there. Which
 * ones comes from the history table of the tool that applied them (Prisma,
 * Flyway, golang-migrate, goose, dbmate, Drizzle, diesel, popx) or from `to`.
 * Before writing anything it checks that pgtandem's state agrees, that the
 * tool's checksums match the files, and that the database has the schema
 * those files make; a failed check refuses (RunnerError) unless `force`
 * (except a state conflict: never). All records are written in one
 * transaction, under the runner lock. Nothing to adopt is not an error.
 */
export async function baseline(options: BaselineOptions): Promise<BaselineResult> {
  const { client } = options;
  await loadParser();
  if (options.to !== undefined && !options.migrations.some((f) => compareKeys(migrationKey(f), options.to!) === 0)) {
    throw new UsageError(`--to ${options.to}: no migration with that version in the migrations folder`);
  }
  const files = await toolFiles([...options.migrations, ...options.history], options.cwd);
  const toolHistories = await readToolHistories(client, files);
  const ownCovered = toolHistories.some((h) => h.verdicts.some((v) => options.migrations.includes(v.file)));
  // Beside history folders, pgtandem's own folder holds what only its runner applies: nothing to read, nothing to adopt.
  if (options.to === undefined && !ownCovered && options.migrations.length > 0 && options.history.length === 0) throw new UsageError(noSourceMessage(options.migrations));

  if (!options.dryRun) await acquireRunnerLock(client, options.lockWaitMs);
  try {
    const state = new MigrationState(client);
    const records = await state.list();
    const plan = planBaseline({ migrations: options.migrations, history: options.history, records, toolHistories, ...(options.to !== undefined ? { to: options.to } : {}) });
    if (plan.conflicts.length > 0) {
      throw new RunnerError('PLAN_REFUSED', [`refusing to baseline: pgtandem's state disagrees (nothing was changed):`, ...plan.conflicts.map((c) => `  ${c}`)].join('\n'));
    }
    const tables = (await findToolTables(client)).map((t) => t.table);
    // Runner migrations still in flight (expanded, migrated) are left out: their contract has not run, so the
    // replay of their whole file is not the database; what their expand made shows as extra, never refused.
    const contracted = records.filter((r) => r.state === 'contracted').map((r) => r.version);
    const schema = await checkSchema(client, replayedFiles(plan, options, contracted), tables);
    // With nothing to record there is nothing to refuse: the checks are reported, the state stays as it is.
    const problems = plan.adopt.length > 0 ? refusals(plan, schema) : [];
    if (problems.length > 0 && !options.force) {
      throw new RunnerError('PLAN_REFUSED', [`refusing to baseline (nothing was changed; --force adopts anyway):`, ...problems.map((p) => `  ${p}`)].join('\n'));
    }
    if (!options.dryRun && plan.adopt.length > 0) {
      await state.ensureSchema();
      const now = new Date().toISOString();
      await client.query('BEGIN');
      try {
        for (const { file, appliedAt } of plan.adopt) {
          const checksums = { expand: sectionChecksum(file, 'expand'), migrate: sectionChecksum(file, 'migrate'), contract: sectionChecksum(file, 'contract') };
          await state.adopt(migrationKey(file), file.name, file.path, checksums, appliedAt ?? now);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    }
    return { plan, schema, dryRun: options.dryRun === true, overridden: problems };
  } finally {
    if (!options.dryRun) await releaseRunnerLock(client).catch(() => {});
  }
}

/**
 * The files the database should have run, in the order they reach it:
 * pgtandem's adopted, already adopted and runner-applied migrations; history
 * files their tool's table says are applied, or — for a history folder whose
 * tool left no table — those before the last of pgtandem's migrations in that
 * order (all of them when pgtandem adopts none).
 */
function replayedFiles(plan: BaselinePlan, options: BaselineOptions, ranVersions: readonly string[]): MigrationFile[] {
  const own = new Set<MigrationFile>([...plan.adopt.map((a) => a.file), ...plan.already]);
  for (const file of options.migrations) if (ranVersions.includes(migrationKey(file))) own.add(file);
  const appliedHistory = new Set(plan.history.flatMap((h) => h.applied));
  const untracked = new Set(plan.history.filter((h) => h.table === undefined).flatMap((h) => h.files));
  const lastOwn = options.replayOrder.findLastIndex((f) => own.has(f));
  return options.replayOrder.filter((file, i) => own.has(file) || appliedHistory.has(file) || (untracked.has(file) && (lastOwn < 0 || i < lastOwn)));
}

/** What would make baseline refuse without --force: changed checksums, and a database without the schema the files make. */
function refusals(plan: BaselinePlan, schema: SchemaCheck): string[] {
  const problems = plan.checksumMismatches.map(
    (m) => `${m.file.path}: changed since ${toolCommand(m.tool)} applied it (checksum ${m.recorded} in its table, ${m.actual} now): what ran is not this file`,
  );
  const limit = 20;
  const schemaLines = [...schema.missing.map((m) => `${m}: the files create it, the database does not have it`), ...schema.differs];
  problems.push(...schemaLines.slice(0, limit));
  if (schemaLines.length > limit) problems.push(`… ${schemaLines.length - limit} more schema differences`);
  return problems;
}

function noSourceMessage(migrations: readonly MigrationFile[]): string {
  const tools = [...new Set(migrations.flatMap((f) => TOOLS_OF_LAYOUT[f.layout]))];
  const looked = tools.length > 0 ? `no history table of ${tools.join(' or ')} (${tools.map((t) => TOOL_TABLES[t].name).join(', ')}) in this database lists them` : 'their layout has no tool history table to read';
  return `nothing says which migrations are applied: ${looked}; pass --to <version> to mark every migration up to that version as applied`;
}
