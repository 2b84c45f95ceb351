import type pg from 'pg';
import { redact } from '../db/redact.js';
import { PgtandemError, RunnerError } from '../errors.js';
import type { Finding, LintedFile, LintResult } from '../lint/finding.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { backfillEngine } from '../runner/backfill-engine.js';
import { forecastBackfill, type ForecastSettings } from '../runner/forecast-backfill.js';
import type { Action } from '../runner/plan.js';
import { loadParser } from '../sql/pg-parser.js';
import { applyPlan, planOf } from './apply.js';
import { PreparedSession } from './prepared-session.js';
import { publishedColumnFindings, replicaIdentityFindings } from './publication-findings.js';
import { publishedColumnChanges, publishedColumns } from './published-columns-probe.js';
import { tablesRefusingUpdates } from './replica-identity-probe.js';
import { checkQueries, type Query, type QueryFile } from './queries.js';
import { existingTables } from './relations.js';
import { seedDatabase, type SeedReport } from './seed.js';
import { selectChange, type ChangeSelection } from './select-change.js';
import { openShadowServer, type ShadowDatabase, type ShadowProvider } from './shadow.js';
import { traceFindings } from './trace-findings.js';
import { traceAction, type StatementTrace } from './trace.js';

export interface VerifyOptions {
  /** Every migration found, in version order, with display paths. */
  migrations: readonly MigrationFile[];
  selection: ChangeSelection;
  cwd: string;
  /** Where the shadow databases are made (see shadowProvider); wins over `shadowUrl`. */
  shadow?: ShadowProvider;
  /** A server verify may create and drop databases on; undefined (and no `shadow`): an embedded PostgreSQL. */
  shadowUrl?: string;
  queriesV1?: QueryFile;
  queriesV2?: QueryFile;
  /** Also run expand then abort on a second fresh database (default true when the change has an abort section). */
  abort?: boolean;
  /** Fill every table of the history with this many synthetic rows before the change runs (seed.ts). */
  seed?: number;
  /** With `seed`: forecast each backfill of the change's migrate section on the seeded rows, batched with these settings. */
  forecast?: ForecastSettings;
}

/** How long one backfill of the change would take, sampled on the seeded rows (the line `migrate --dry-run` prints). */
export interface BackfillForecast {
  file: string;
  line: number;
  /** `estimate: public.orders: ~100k rows, ~4 s at the sampled 24,000 rows/s (batch 1,000)`, or why there is none. */
  text: string;
}

export interface VerifyResult extends LintResult {
  /** Every traced statement, in the order it ran. */
  traces: StatementTrace[];
  history: string[];
  change: string[];
  shadow: ShadowProvider['kind'];
  /** With `seed`: what the history's tables were filled with (the forward run's; the abort run seeds alike). */
  seed?: SeedReport;
  /** With `seed` and `forecast`: one per backfill of the change's migrate section. */
  forecasts?: BackfillForecast[];
}

/** Phases the old release runs through, and the new one. */
const V1_PHASES: readonly Phase[] = ['expand', 'migrate', 'abort'];
const V2_PHASES: readonly Phase[] = ['expand', 'migrate', 'contract'];

/**
 * `pgtandem verify`: applies the history fully to a fresh shadow database,
 * then runs the change phase by phase exactly as the runner plans it,
 * tracing each statement's locks, rewrites and scans, and after each phase
 * checks the v1 and v2 queries. With `seed`, the history's tables are
 * filled before the change (untraced, in a transaction of their own). With
 * an abort section, a second fresh database runs expand then abort. Every
 * database is dropped at the end, an embedded server stopped and deleted.
 */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  await loadParser();
  const { history, change } = await selectChange(options.migrations, options.selection, options.cwd);
  const server = await openShadowServer(options.shadow ?? options.shadowUrl);
  const findings: Finding[] = [];
  const traces: StatementTrace[] = [];
  const forecasts: BackfillForecast[] | undefined = options.seed && options.forecast ? [] : undefined;
  let seed: SeedReport | undefined;
  try {
    const forward = await server.createDatabase();
    const { stopped, seed: seeded } = await runScenario(forward, history, change, ['expand', 'migrate', 'contract'], options, findings, traces, new Set(), forecasts);
    seed = seeded;
    await forward.drop();
    const wantsAbort = options.abort ?? true;
    if (!stopped && wantsAbort && (await hasAbort(change, forward.connection.serverVersion))) {
      const rollback = await server.createDatabase();
      await runScenario(rollback, history, change, ['expand', 'abort'], options, findings, traces, new Set<Phase>(['expand']));
      await rollback.drop();
    }
  } catch (error) {
    if (error instanceof PgtandemError) throw error;
    throw new RunnerError('PHASE_FAILED', `verify failed: ${redact(error instanceof Error ? error.message : String(error), server.secrets)}`, { cause: error });
  } finally {
    await server.close();
  }
  if (seed) {
    // A constraint violation on seeded rows is the point of seeding: say that real rows like them would fail too.
    for (const finding of findings) {
      if (finding.rule === 'verify-statement-failed' && /SQLSTATE 23\d{3}/.test(finding.message)) {
        finding.help = `${finding.help} The tables held --seed's synthetic rows (every 10th value of a nullable column NULL): production rows like them fail it too; backfill or validate first.`;
      }
    }
  }
  const files = [...change, ...[options.queriesV1, options.queriesV2].filter((q): q is QueryFile => q !== undefined)];
  const linted: LintedFile[] = files.map((f) =>
    'queries' in f ? { path: f.path, statements: f.queries.length, layout: 'queries', text: f.text } : { path: f.path, statements: traces.filter((t) => t.file === f.path).length, layout: f.layout, text: f.text },
  );
  return {
    files: linted,
    findings,
    summary: { files: linted.length, errors: findings.filter((f) => f.severity === 'error').length, warnings: findings.filter((f) => f.severity === 'warn').length },
    traces,
    history: history.map((m) => m.path),
    change: change.map((m) => m.path),
    shadow: server.kind,
    ...(seed ? { seed } : {}),
    ...(forecasts ? { forecasts } : {}),
  };
}

/**
 * One fresh database: history fully, then the change's `phases` (abort runs
 * newest migration first, as the runner does). Phases in `untraced` run
 * without findings (the rollback scenario's expand was traced already).
 * `stopped` when a statement failed and the run stopped.
 */
async function runScenario(
  database: ShadowDatabase,
  history: readonly MigrationFile[],
  change: readonly MigrationFile[],
  phases: readonly Phase[],
  options: VerifyOptions,
  findings: Finding[],
  traces: StatementTrace[],
  untraced: ReadonlySet<Phase> = new Set(),
  forecasts?: BackfillForecast[],
): Promise<{ stopped: boolean; seed?: SeedReport }> {
  const { client, serverVersion } = database.connection;
  for (const file of history) {
    for (const phase of ['expand', 'migrate', 'contract'] as const) await applyPlan(client, await planOf(file, phase, serverVersion));
  }
  const seed = options.seed ? await seedDatabase(client, options.seed) : undefined;
  const baseline = options.queriesV1 ? await checkQueries(client, options.queriesV1) : [];
  for (const problem of untraced.size === 0 ? baseline : []) {
    findings.push(queryFinding('v1-query-fails-before-change', 'warn', options.queriesV1!, problem.query, 'expand', `fails before the change is applied, so it is not checked: ${problem.message}`));
  }
  const skipV1 = new Set(baseline.map((p) => p.query));
  const v1Session = options.queriesV1 && untraced.size === 0 ? await PreparedSession.open(database.url, options.queriesV1, skipV1) : undefined;
  try {
    const stopped = await runPhases(database, change, phases, options, findings, traces, untraced, skipV1, v1Session, forecasts);
    return { stopped, ...(seed ? { seed } : {}) };
  } finally {
    await v1Session?.close();
  }
}

async function runPhases(
  database: ShadowDatabase,
  change: readonly MigrationFile[],
  phases: readonly Phase[],
  options: VerifyOptions,
  findings: Finding[],
  traces: StatementTrace[],
  untraced: ReadonlySet<Phase>,
  skipV1: ReadonlySet<unknown>,
  v1Session: PreparedSession | undefined,
  forecasts: BackfillForecast[] | undefined,
): Promise<boolean> {
  const { client, serverVersion } = database.connection;
  // A session that prepared a query before expand fails the same way after every later phase: say it once, at the phase that changed it.
  const resultChanged = new Set<unknown>();
  let refusingUpdates = await tablesRefusingUpdates(client);
  let published = await publishedColumns(client, serverVersion);

  for (const phase of phases) {
    const ordered = phase === 'abort' ? [...change].reverse() : change;
    if (untraced.has(phase)) {
      for (const file of ordered) await applyPlan(client, await planOf(file, phase, serverVersion));
      refusingUpdates = await tablesRefusingUpdates(client);
      published = await publishedColumns(client, serverVersion);
      continue;
    }
    const existing = await existingTables(client);
    for (const file of ordered) {
      const plan = await planOf(file, phase, serverVersion);
      for (const action of plan.actions) {
        // Sampled (rolled back) before the backfill runs as written on the same rows.
        if (forecasts && options.forecast && action.kind === 'backfill') forecasts.push(await forecastAction(client, file, action, options.forecast));
        const traced = await traceAction(client, file, phase, action, existing);
        traces.push(...traced);
        findings.push(...traceFindings(traced));
        if (traced.some((t) => t.error)) return true;
        const refusing = await tablesRefusingUpdates(client);
        findings.push(...replicaIdentityFindings(refusingUpdates, refusing, traced));
        refusingUpdates = refusing;
        const publishedNow = await publishedColumns(client, serverVersion);
        findings.push(...publishedColumnFindings(publishedColumnChanges(published, publishedNow), traced));
        published = publishedNow;
      }
    }
    if (options.queriesV1 && V1_PHASES.includes(phase)) {
      const broken = await checkVersion(client, 'v1', options.queriesV1, phase, findings, skipV1);
      for (const { query, message } of (await v1Session?.changedResults()) ?? []) {
        if (broken.has(query) || resultChanged.has(query)) continue;
        resultChanged.add(query);
        findings.push(
          queryFinding('v1-query-result-changed', 'warn', options.queriesV1, query, phase, `v1 query's result columns changed after ${phase}: a session that prepared it before fails with "${message}"`),
        );
      }
    }
    if (options.queriesV2 && V2_PHASES.includes(phase)) await checkVersion(client, 'v2', options.queriesV2, phase, findings, new Set());
  }
  return false;
}

async function forecastAction(client: pg.ClientBase, file: MigrationFile, action: Action, settings: ForecastSettings): Promise<BackfillForecast> {
  let text: string;
  try {
    text = await forecastBackfill(backfillEngine, client, await backfillEngine.planBackfill(client, action.statements[0]!), settings);
  } catch (error) {
    // The runner would refuse to batch it (the lint rules and `migrate --dry-run` say why).
    text = `no estimate: the runner would not batch it: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { file: file.path, line: action.line, text };
}

/** Reports the queries that no longer work; returns them. */
async function checkVersion(client: pg.ClientBase, version: 'v1' | 'v2', file: QueryFile, phase: Phase, findings: Finding[], skip: ReadonlySet<unknown>): Promise<Set<Query>> {
  const broken = new Set<Query>();
  for (const problem of await checkQueries(client, file)) {
    if (skip.has(problem.query)) continue;
    broken.add(problem.query);
    findings.push(queryFinding(`${version}-query-broken`, 'error', file, problem.query, phase, `${version} query breaks after ${phase}: ${problem.message}`));
  }
  return broken;
}

function queryFinding(rule: string, severity: Finding['severity'], file: QueryFile, query: QueryFile['queries'][number], phase: Phase, message: string): Finding {
  const help =
    rule === 'v1-query-broken'
      ? 'The old release still runs this query until contract: keep what it uses (add instead of rename, defaults on new NOT NULL columns, drop in contract).'
      : rule === 'v2-query-broken'
        ? 'The new release ships after expand: create what it needs in expand, and drop in contract only what it no longer uses.'
        : rule === 'v1-query-result-changed'
          ? 'Name the columns instead of SELECT *, or make sure the driver re-prepares (pgjdbc: autosave=conservative) before deploying.'
          : 'Fix the query, or add casts to parameters PREPARE cannot type ($1::int).';
  if (query.queryid) message = `${message} (pg_stat_statements queryid ${query.queryid})`;
  return { rule, severity, file: file.path, line: query.line, column: query.column, endLine: query.endLine, endColumn: query.endColumn, phase, message, help, docs: '' };
}

async function hasAbort(change: readonly MigrationFile[], pgVersion: number): Promise<boolean> {
  for (const file of change) if ((await planOf(file, 'abort', pgVersion)).actions.length > 0) return true;
  return false;
}
