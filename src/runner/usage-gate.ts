import type pg from 'pg';
import type { Node } from '@pgsql/types';
import { InterruptedError, RunnerError } from '../errors.js';
import { formatDuration } from '../lint/duration.js';
import type { Catalog } from '../schema/catalog.js';
import { fingerprintSql, normalizeSql } from '../sql/fingerprint.js';
import { parseSql } from '../sql/pg-parser.js';
import type { RunnerEvent } from './events.js';
import { describeRemoved, type RemovedObject } from './removed-objects.js';
import { removedObjectsUsed } from './statement-uses.js';
import { callsSince, latestSnapshot, saveSnapshot, serverNow, statsAccess, takeSnapshot, type StatsSnapshot } from './statement-stats.js';

/** How contract consults pg_stat_statements (config `usageGate`, `usageWindow`, `usageGateOwnStatementsOnly`; flags). */
export interface UsageGateSettings {
  /** `auto`: when pg_stat_statements can be read; `required`: refuse when it cannot; `off`. */
  mode: 'auto' | 'required' | 'off';
  /** How long statements are watched for a use, in milliseconds. */
  windowMs: number;
  /** `migrate`: the window starts at the snapshot the last migrate kept, not now. */
  since?: 'migrate';
  /** A role without pg_read_all_stats may satisfy the gate with the statements it sees (its own). */
  ownStatementsOnly: boolean;
}

/** What the gate looks for: the objects contract removes, and how to tell pgtandem's own statements. */
export interface UsageQuestion {
  removed: readonly RemovedObject[];
  /** The catalog before contract, for unqualified names and views. */
  catalog: Catalog;
  /** Fingerprints of the statements the migrations run (the runner's own, whoever ran them). */
  ownFingerprints: ReadonlySet<string>;
  /**
   * `track_activity_query_size`: a text PostgreSQL cuts keeps this many bytes less one (less up to three
   * more, at a character boundary). A text of that length may be cut short — and still parse (`… AND na`
   * is a column too) — so it counts as a use, never as parsed. (pg_stat_statements keeps whole texts; texts
   * of pg_stat_activity and of exports made from it are cut.)
   */
  textLimit?: number;
}

/** A statement that used removed objects in the window. */
export interface StatementUse {
  objects: RemovedObject[];
  /** Shortened, constants replaced by `$n`. */
  text: string;
  calls: number;
  /** Its text did not parse, or may be cut short: counted as a use of everything. */
  unparsed: boolean;
}

const SNAPSHOT_BY = 'migrate';
const SHOWN_USES = 10;

/**
 * The usage gate: contract may drop or rename away an object only when no
 * application statement used it during the window. Statement counts come
 * from pg_stat_statements, taken at the start of the window (or the one
 * `migrate` kept, with `since: 'migrate'`) and at its end; statements whose
 * calls moved are parsed and matched against the removed objects. Refuses
 * (RunnerError `CONTRACT_BLOCKED`) on a use, on statistics reset during the
 * window, or on a role that cannot see other roles' statements (unless
 * allowed). Without the extension: one warning, unless `required`.
 */
export async function checkUsage(
  client: pg.ClientBase,
  settings: UsageGateSettings,
  question: UsageQuestion,
  onEvent?: (event: RunnerEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (question.removed.length === 0) return;
  const objects = question.removed.map(describeRemoved).join(', ');
  if (settings.mode === 'off') {
    onEvent?.({ type: 'guard-skipped', reason: `usage gate off: not checking whether the application still uses ${objects}` });
    return;
  }
  const access = await statsAccess(client);
  if (!access.available) {
    if (settings.mode === 'required') throw new RunnerError('CONTRACT_BLOCKED', `refusing to contract: the usage gate is required (usageGate "required") but ${access.reason}`);
    onEvent?.({ type: 'guard-skipped', reason: `usage gate: ${access.reason}; not checking whether the application still uses ${objects}` });
    return;
  }
  if (!access.readsAll) {
    const grant = `GRANT pg_read_all_stats TO ${access.role}`;
    if (!settings.ownStatementsOnly) {
      throw new RunnerError(
        'CONTRACT_BLOCKED',
        `refusing to contract: role ${access.role} cannot read other roles' statements in pg_stat_statements, so the usage gate cannot hold (${grant}, or set usageGateOwnStatementsOnly to accept its own statements only)`,
      );
    }
    onEvent?.({ type: 'guard-skipped', reason: `usage gate: role ${access.role} sees only its own statements in pg_stat_statements (${grant} to see the application's)` });
  }

  const start = settings.since ? await savedStart(client) : await takeSnapshot(client, access.schema, false);
  const until = start.takenAt + settings.windowMs;
  const remaining = until - (await serverNow(client));
  onEvent?.({ type: 'usage-watching', objects: question.removed.length, windowMs: settings.windowMs, remainingMs: Math.max(0, remaining), sinceMigrate: settings.since === 'migrate' });
  if (remaining > 0) await sleep(remaining, signal);
  const end = await takeSnapshot(client, access.schema, true);
  if (start.statsReset !== end.statsReset) {
    throw new RunnerError(
      'CONTRACT_BLOCKED',
      `refusing to contract: pg_stat_statements was reset during the usage window (stats_reset ${start.statsReset ?? 'unset'} → ${end.statsReset ?? 'unset'}), so its counts do not cover the window; run contract again`,
    );
  }
  const uses = statementUses(start, end, { ...question, textLimit: await textLimit(client) });
  if (uses.length > 0) {
    const window = formatDuration(end.takenAt - start.takenAt);
    const lines = uses.slice(0, SHOWN_USES).map((u) => `  ${u.objects.map(describeRemoved).join(', ')}: ${u.calls} call(s) of ${u.unparsed ? '(text cut short or not parseable, counted as a use) ' : ''}"${u.text}"`);
    if (uses.length > SHOWN_USES) lines.push(`  … and ${uses.length - SHOWN_USES} more statement(s)`);
    throw new RunnerError(
      'CONTRACT_BLOCKED',
      `refusing to contract: the application still uses what contract removes (pg_stat_statements, last ${window}); ship the code that stops using it (or flip its flag), then run contract again:\n${lines.join('\n')}`,
    );
  }
  onEvent?.({ type: 'usage-clear', objects: question.removed.map(describeRemoved), windowMs: end.takenAt - start.takenAt });
}

/** At the end of migrate: keep the statement counts, for `contract --usage-since migrate`. Does nothing without the extension. */
export async function keepUsageSnapshot(client: pg.ClientBase): Promise<boolean> {
  const access = await statsAccess(client);
  if (!access.available) return false;
  await saveSnapshot(client, await takeSnapshot(client, access.schema, false), SNAPSHOT_BY);
  return true;
}

/** The statements whose calls moved between the snapshots and that use a removed object, most calls first. */
export function statementUses(start: StatsSnapshot, end: StatsSnapshot, question: UsageQuestion): StatementUse[] {
  const uses: StatementUse[] = [];
  for (const [key, calls] of callsSince(start, end)) {
    const text = end.texts.get(key) ?? null;
    const use = classifyStatement(text, question);
    if (use) uses.push({ ...use, calls });
  }
  return uses.sort((a, b) => b.calls - a.calls);
}

/**
 * What one statement text uses: undefined for none (or for pgtandem's own
 * statements); every removed object for a text that does not parse or may
 * be cut short, since the part cut off may hold the very column.
 */
export function classifyStatement(text: string | null, question: UsageQuestion): Omit<StatementUse, 'calls'> | undefined {
  const cutShort = text !== null && question.textLimit !== undefined && mayBeCutShort(Buffer.byteLength(text), question.textLimit);
  const parsed = text === null || cutShort ? undefined : parseSql(text);
  if (parsed?.ok && parsed.statements.length === 0) return undefined;
  if (!parsed?.ok || parsed.statements.length !== 1) {
    return { objects: [...question.removed], text: shorten(maskLiterals(text ?? '(no text)')), unparsed: true };
  }
  const node = applicationStatement(parsed.statements[0]!.stmt);
  if (!node || isOwnStatement(node, text!, question.ownFingerprints)) return undefined;
  const objects = removedObjectsUsed(node, question.removed, question.catalog);
  return objects.length > 0 ? { objects, text: shorten(normalizeSql(text!) ?? maskLiterals(text!)), unparsed: false } : undefined;
}

/** The statement an application ran: DML or a query, also under PREPARE, EXPLAIN, DECLARE, COPY (query). Utility statements (DDL) are not. */
function applicationStatement(node: Node): Node | undefined {
  if ('SelectStmt' in node || 'InsertStmt' in node || 'UpdateStmt' in node || 'DeleteStmt' in node || 'MergeStmt' in node || 'CopyStmt' in node) return node;
  if ('PrepareStmt' in node) return node.PrepareStmt.query && applicationStatement(node.PrepareStmt.query);
  if ('ExplainStmt' in node) return node.ExplainStmt.query && applicationStatement(node.ExplainStmt.query);
  if ('DeclareCursorStmt' in node) return node.DeclareCursorStmt.query && applicationStatement(node.DeclareCursorStmt.query);
  return undefined;
}

/** pgtandem's own work: its state schema, its backfill batches (`pgtandem_*` CTEs), the migrations' own statements. */
function isOwnStatement(node: Node, text: string, ownFingerprints: ReadonlySet<string>): boolean {
  const json = JSON.stringify(node);
  if (/"schemaname":"pgtandem"/.test(json) || /"ctename":"pgtandem_/.test(json)) return true;
  const fingerprint = fingerprintSql(text);
  return fingerprint !== undefined && ownFingerprints.has(fingerprint);
}

function mayBeCutShort(bytes: number, limit: number): boolean {
  return bytes <= limit - 1 && bytes >= limit - 4;
}

async function textLimit(client: pg.ClientBase): Promise<number | undefined> {
  const { rows } = await client.query<{ bytes: string | null }>(`SELECT pg_size_bytes(current_setting('track_activity_query_size', true))::text AS bytes`);
  return rows[0]?.bytes ? Number(rows[0].bytes) : undefined;
}

async function savedStart(client: pg.ClientBase): Promise<StatsSnapshot> {
  const snapshot = await latestSnapshot(client, SNAPSHOT_BY);
  if (!snapshot) {
    throw new RunnerError(
      'CONTRACT_BLOCKED',
      'refusing to contract: --usage-since migrate, but no migrate kept a pg_stat_statements snapshot in this database (migrate keeps one when the extension can be read); drop --usage-since to watch a fresh window',
    );
  }
  return snapshot;
}

function maskLiterals(text: string): string {
  return text.replace(/'(?:[^']|'')*'?/g, '?').replace(/\b\d+(?:\.\d+)?\b/g, '?');
}

function shorten(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('contract stopped on request while the usage gate watched pg_stat_statements; nothing was contracted — rerun pgtandem contract'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new InterruptedError('contract stopped on request while the usage gate watched pg_stat_statements; nothing was contracted — rerun pgtandem contract'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
