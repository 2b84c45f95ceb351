import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { loadConfig } from '../../lint/config.js';
import { rules } from '../../lint/lint.js';
import { blockedTraffic, strongest } from '../../lint/lock-level.js';
import { discoverMigrations } from '../../migrations/discover.js';
import { formatResult, isFormat, FORMATS } from '../../report/format.js';
import { formatTraceTable, type TraceRow } from '../../report/trace-table.js';
import { runnerSettings } from '../../runner/settings.js';
import { loadParser } from '../../sql/pg-parser.js';
import { loadQueryFile } from '../../verify/queries.js';
import type { ChangeSelection } from '../../verify/select-change.js';
import type { SeedReport } from '../../verify/seed.js';
import type { StatementTrace } from '../../verify/trace.js';
import { verify } from '../../verify/verify.js';
import { shadowProvider } from '../../verify/shadow.js';
import { VERIFY_RULES } from '../../verify/verify-rules.js';
import { shouldColor } from '../color.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { packageVersion } from '../package-version.js';

export interface VerifyCommandOptions {
  format: string;
  /** `url`, `embedded` or `docker:<image>` */
  shadow?: string;
  shadowUrl?: string;
  change?: string[];
  since?: string;
  queriesV1?: string;
  queriesV2?: string;
  config?: string;
  /** commander's --no-abort */
  abort?: boolean;
  /** Rows per table, as typed. */
  seed?: string;
}

/** The most rows --seed fills a table with: beyond it the seed itself would be the long part of verify. */
const MAX_SEED_ROWS = 10_000_000;

/** `pgtandem verify [dir]`: prints the traced statements and the findings; exit 1 on an error finding. */
export async function verifyCommand(dirArgument: string | undefined, options: VerifyCommandOptions, io: CliIO): Promise<number> {
  if (!isFormat(options.format)) throw new UsageError(`unknown format "${options.format}" (expected ${FORMATS.join(', ')})`);
  if (options.change && options.since) throw new UsageError('--change and --since cannot be combined');
  const seed = options.seed === undefined ? undefined : seedRows(options.seed);
  const shadow = shadowProvider({ shadow: options.shadow, shadowUrl: options.shadowUrl, envUrl: io.env.SHADOW_DATABASE_URL });
  const loaded = await loadConfig({ cwd: io.cwd, knownRules: rules.map((r) => r.id), ...(options.config ? { explicitPath: options.config } : {}) });
  const config = loaded.config;
  const dir = dirArgument
    ? resolve(io.cwd, dirArgument)
    : config.migrationsDir
      ? resolve(loaded.path ? dirname(loaded.path) : io.cwd, config.migrationsDir)
      : undefined;
  if (!dir) throw new UsageError('no migrations directory: pass [dir] or set "migrationsDir" in pgtandem.config.json');
  const discovery = await discoverMigrations([dir], { assumeInTransaction: config.assumeInTransaction });
  if (discovery.migrations.length === 0) throw new UsageError(`no migrations found in ${displayPath(io.cwd, dir)}`);
  const migrations = discovery.migrations.map((m) => ({ ...m, path: displayPath(io.cwd, m.path) }));

  await loadParser();
  const queries = async (path: string | undefined) => (path ? loadQueryFile(resolve(io.cwd, path), displayPath(io.cwd, resolve(io.cwd, path))) : undefined);
  const queriesV1 = await queries(options.queriesV1);
  const queriesV2 = await queries(options.queriesV2);
  const selection: ChangeSelection = options.change ? { versions: options.change } : options.since ? { since: options.since } : { last: true };
  if (options.format === 'pretty' && shadow.kind === 'embedded') io.stderr('pgtandem: verify: starting a throwaway embedded PostgreSQL (no --shadow-url / SHADOW_DATABASE_URL); it is removed at the end\n');
  if (options.format === 'pretty' && shadow.kind === 'docker') io.stderr(`pgtandem: verify: starting a throwaway ${shadow.image} container with docker; it is removed at the end\n`);

  const result = await verify({
    migrations,
    selection,
    cwd: io.cwd,
    shadow,
    ...(queriesV1 ? { queriesV1 } : {}),
    ...(queriesV2 ? { queriesV2 } : {}),
    ...(options.abort === false ? { abort: false } : {}),
    ...(seed ? { seed, forecast: runnerSettings(config, 0) } : {}),
  });
  if (options.format === 'pretty') {
    io.stdout(`History: ${result.history.length} migration(s) applied fully. Change: ${result.change.join(', ') || 'none'}.\n`);
    if (result.seed) io.stdout(formatSeed(result.seed));
    io.stdout('\n');
    io.stdout(formatTraceTable(result.traces.map(traceRow)));
    io.stdout('\n');
    if (result.forecasts && result.forecasts.length > 0) {
      // On the seeded rows: the rate is what carries over to production, the time scales with its row count.
      io.stdout(`Backfills on the seeded rows (batched as migrate would, sampled and rolled back):\n${result.forecasts.map((f) => `  ${basename(f.file)}:${f.line} ${f.text}\n`).join('')}\n`);
    }
  }
  io.stdout(
    formatResult(options.format, result, {
      rules: [...rules, ...VERIFY_RULES],
      color: options.format === 'pretty' && shouldColor(io.env, io.isTTY),
      toolVersion: packageVersion(),
    }),
  );
  return result.summary.errors > 0 ? EXIT.findings : EXIT.ok;
}

function seedRows(value: string): number {
  const rows = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > MAX_SEED_ROWS) {
    throw new UsageError(`--seed expects a number of rows from 1 to ${MAX_SEED_ROWS.toLocaleString('en-US')}, not "${value}"`);
  }
  return rows;
}

/** `Seeded 7 tables × 1,000 rows.`, then a line for each table skipped or filled only in part. */
function formatSeed(seed: SeedReport): string {
  const skipped = seed.tables.filter((t) => t.skipped !== undefined);
  const partly = seed.tables.filter((t) => t.skipped === undefined && t.note !== undefined);
  const filled = seed.tables.length - skipped.length;
  const counts = [skipped.length > 0 ? `${skipped.length} skipped` : '', partly.length > 0 ? `${partly.length} with a note` : ''].filter(Boolean).join(', ');
  const lines = [`Seeded ${filled} table${filled === 1 ? '' : 's'} × ${seed.rows.toLocaleString('en-US')} rows${counts ? ` (${counts}):` : '.'}`];
  for (const table of skipped) lines.push(`  ${table.table}: skipped: ${table.skipped}`);
  for (const table of partly) lines.push(`  ${table.table}: ${table.rows.toLocaleString('en-US')} rows: ${table.note}`);
  return `${lines.join('\n')}\n`;
}

function traceRow(trace: StatementTrace): TraceRow {
  const tables = trace.locks.filter((l) => l.kind === 'table');
  const mode = strongest(tables.map((l) => l.mode));
  const on = tables.filter((l) => l.mode === mode);
  const held = on.length > 0 && on.every((l) => l.inherited) ? ' (held)' : '';
  return {
    phase: trace.phase,
    file: basename(trace.file),
    line: trace.line,
    text: trace.text,
    lock: mode ? `${mode} on ${on.map((l) => l.relation).join(', ')}${held}` : '',
    blocks: mode ? blockedTraffic(mode) : 'nothing',
    rewrite: trace.rewritten.join(', '),
    ms: trace.ms,
    predicted: trace.source === 'predicted',
    failed: trace.error !== undefined,
  };
}

function displayPath(cwd: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
