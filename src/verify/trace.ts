import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { tableLocks, type LockMode, LOCK_MODES } from '../lint/lock-level.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { displayName } from '../sql/names.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import type { Statement } from '../sql/statement.js';
import { scriptKysely } from '../runner/pinned-kysely.js';
import type { Action } from '../runner/plan.js';
import { relationSnapshot, type Relation } from './relations.js';

/** One relation lock a statement took that the transaction did not hold before it. */
export interface TracedLock {
  /** `name`, or `schema.name` outside public. */
  relation: string;
  /** `table` for tables, partitioned tables and materialized views. */
  kind: 'table' | 'index' | 'sequence' | 'other';
  mode: LockMode;
  granted: boolean;
  /** The table existed before the phase began (application traffic can be waiting on it). */
  existing: boolean;
  /** Held since an earlier statement of the same transaction, on a table this statement uses (predicted, scanned or rewritten). */
  inherited?: boolean;
}

/** What one statement (or one script export) did on the shadow database. */
export interface StatementTrace {
  file: string;
  phase: Phase;
  actionId: string;
  /** 1-based positions of the statement in its file (a script migration: the line of the phase's export). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The statement's SQL (for a script migration, each query its phase function sent, at the export's line). */
  text: string;
  statement?: Statement;
  /** `transaction`: read from pg_locks before COMMIT; `predicted`: it ran outside a transaction, so the locks are lock-level.ts's prediction. */
  source: 'transaction' | 'predicted';
  /** Locks taken by this statement, not already held by an earlier one of the same transaction. */
  locks: TracedLock[];
  /** Per table, the strongest lock the transaction holds after the statement (cumulative). */
  held: Record<string, LockMode>;
  /** Tables that existed before the phase whose relfilenode changed: rewritten. */
  rewritten: string[];
  /** Existing tables this statement scanned sequentially (a validation or a rewrite reads every row). */
  scanned: string[];
  ms: number;
  /** Postgres' error when the statement failed (the transaction was rolled back; the run stops there). */
  error?: string;
}

const MODE_NAMES: Record<string, LockMode> = Object.fromEntries(
  LOCK_MODES.map((mode) => [`${mode.split(' ').map((w) => w[0] + w.slice(1).toLowerCase()).join('')}Lock`, mode]),
);

interface HeldLock {
  oid: number;
  mode: string;
  granted: boolean;
}

async function ownLocks(client: pg.ClientBase): Promise<HeldLock[]> {
  const { rows } = await client.query<HeldLock>(
    `SELECT relation::int AS oid, mode, granted FROM pg_locks
      WHERE pid = pg_backend_pid() AND locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows;
}

/**
 * Runs one action of a plan the way the runner would (one transaction for a
 * statements group, a backfill as written in one transaction, a statement
 * that cannot run in a transaction alone) and traces each statement. Returns
 * the traces; the last one carries `error` when a statement failed.
 */
export async function traceAction(client: pg.ClientBase, file: MigrationFile, phase: Phase, action: Action, existing: ReadonlySet<number>): Promise<StatementTrace[]> {
  const source = new SourceText(file.text);
  const at = (statement: Statement): Pick<StatementTrace, 'line' | 'column' | 'endLine' | 'endColumn'> => {
    const from = source.position(statement.start);
    const to = source.position(statement.end);
    return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
  };
  const base = { file: file.path, phase, actionId: action.id };

  if (action.kind === 'statements' && !action.transactional) {
    const statement = action.statements[0]!;
    const before = await relationSnapshot(client);
    const started = performance.now();
    const error = await attempt(() => client.query(action.sql));
    const ms = performance.now() - started;
    const after = await relationSnapshot(client);
    const locks = tableLocks(statement).map((l): TracedLock => {
      const relation = before.find((r) => r.name === l.table.name && (l.table.schema === undefined || l.table.schema === r.schema));
      return { relation: displayName(l.table), kind: 'table', mode: l.mode, granted: true, existing: relation !== undefined && existing.has(relation.oid) };
    });
    return [
      {
        ...base,
        ...at(statement),
        text: statement.text,
        statement,
        source: 'predicted',
        locks,
        held: Object.fromEntries(locks.map((l) => [l.relation, l.mode])),
        rewritten: rewrites(before, after, statement, existing),
        scanned: [],
        ms,
        ...(error ? { error } : {}),
      },
    ];
  }

  const traces: StatementTrace[] = [];
  await client.query('BEGIN');
  let previous = await ownLocks(client);
  let failed = false;
  type Where = Omit<StatementTrace, 'source' | 'locks' | 'held' | 'rewritten' | 'scanned' | 'ms' | keyof typeof base>;
  const step = async (run: () => Promise<unknown>, where: Where, parsed: Statement | undefined = where.statement): Promise<void> => {
    const before = await relationSnapshot(client);
    const started = performance.now();
    const error = await attempt(run);
    const ms = performance.now() - started;
    if (error) {
      failed = true;
      traces.push({ ...base, ...where, source: 'transaction', locks: [], held: {}, rewritten: [], scanned: [], ms, error });
      return;
    }
    const after = await relationSnapshot(client);
    const now = await ownLocks(client);
    const names = new Map<number, Relation>([...before, ...after].map((r) => [r.oid, r]));
    const isNew = (lock: HeldLock): boolean => !previous.some((p) => p.oid === lock.oid && p.mode === lock.mode);
    const locks = now
      .filter((lock) => isNew(lock) && names.has(lock.oid) && MODE_NAMES[lock.mode])
      .map((lock): TracedLock => {
        const relation = names.get(lock.oid)!;
        return { relation: relation.display, kind: relation.kind, mode: MODE_NAMES[lock.mode]!, granted: lock.granted, existing: existing.has(lock.oid) };
      });
    const held: Record<string, LockMode> = {};
    for (const lock of now) {
      const relation = names.get(lock.oid);
      const mode = MODE_NAMES[lock.mode];
      if (!relation || relation.kind !== 'table' || !mode) continue;
      const current = held[relation.display];
      if (!current || LOCK_MODES.indexOf(mode) > LOCK_MODES.indexOf(current)) held[relation.display] = mode;
    }
    previous = now;
    const scanned = after.filter((r) => existing.has(r.oid) && r.scans > (before.find((b) => b.oid === r.oid)?.scans ?? 0)).map((r) => r.display);
    const rewritten = rewrites(before, after, parsed, existing);
    // A lock taken by an earlier statement of the transaction is not new, but this statement still runs under it.
    const used = new Set([...scanned, ...rewritten, ...(parsed ? tableLocks(parsed).map((l) => displayName(l.table)) : [])]);
    for (const table of used) {
      const mode = held[table];
      if (!mode || locks.some((l) => l.relation === table && l.mode === mode)) continue;
      const relation = after.find((r) => r.display === table) ?? before.find((r) => r.display === table);
      locks.push({ relation: table, kind: 'table', mode, granted: true, existing: relation !== undefined && existing.has(relation.oid), inherited: true });
    }
    traces.push({ ...base, ...where, source: 'transaction', locks, held, rewritten, scanned, ms });
  };

  if (action.kind === 'script') {
    // Each query the phase function sends is traced on its own, at the line of the export.
    const script = action.script!;
    const line = exportLine(file.text, script.exportName);
    const where = { line, column: 1, endLine: line, endColumn: 1 };
    const tracing = {
      query: async (text: string, values?: unknown[]) => {
        let result: unknown;
        let thrown: unknown;
        const parsed = parseSegment(text, { phase, start: 0, end: text.length }).statements[0];
        await step(
          async () => {
            try {
              result = await client.query(text, values);
            } catch (error) {
              thrown = error;
              throw error;
            }
          },
          { ...where, text },
          parsed,
        );
        if (thrown) throw thrown;
        return result;
      },
    } as unknown as pg.ClientBase;
    const error = await attempt(async () => script.run(scriptKysely(tracing)));
    if (error && !failed) {
      failed = true;
      traces.push({ ...base, ...where, text: `export ${script.exportName}`, source: 'transaction', locks: [], held: {}, rewritten: [], scanned: [], ms: 0, error });
    }
  } else {
    for (const statement of action.statements) {
      await step(() => client.query(statement.text), { ...at(statement), text: statement.text, statement });
      if (failed) break;
    }
  }
  await client.query(failed ? 'ROLLBACK' : 'COMMIT');
  return traces;
}

/** The line of `export … <name>` (function or const), else 1. */
function exportLine(text: string, name: string): number {
  const match = new RegExp(`export\\s+(?:async\\s+)?(?:function\\s*\\*?\\s*|const\\s+|let\\s+|var\\s+)${name}\\b`).exec(text);
  return match ? new SourceText(text).position(match.index).line : 1;
}

/** Existing tables whose storage was replaced (TRUNCATE also gets a new file, but that is no rewrite of rows). */
function rewrites(before: readonly Relation[], after: readonly Relation[], statement: Statement | undefined, existing: ReadonlySet<number>): string[] {
  if (statement?.kind === 'TruncateStmt') return [];
  return after
    .filter((r) => r.kind === 'table' && existing.has(r.oid) && r.filenode !== 0 && before.some((b) => b.oid === r.oid && b.filenode !== 0 && b.filenode !== r.filenode))
    .map((r) => r.display);
}

async function attempt(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    const pgError = error as { message?: string; code?: string };
    return `${pgError.message ?? String(error)}${pgError.code && /^[0-9A-Z]{5}$/.test(pgError.code) ? ` (SQLSTATE ${pgError.code})` : ''}`;
  }
}
