import { createHash } from 'node:crypto';
import { RunnerError } from '../errors.js';
import { lockStrength, tableLocks, type TableLock } from '../lint/lock-level.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import { cannotRunInTransaction } from '../sql/transaction-block.js';
import { backfillEngine, type BackfillEngine } from './backfill-engine.js';
import type { ScriptPhase } from '../migrations/load-script.js';

/**
 * One unit the executor runs and checkpoints: a group of statements in one
 * transaction, a statement that must run alone outside any, a batched
 * backfill (many short transactions, resumable through its cursor), or the
 * phase function of a TypeScript/JavaScript migration (one transaction).
 */
export interface Action {
  /** `<phase>#<n>`, 1-based, stable while the section text is unchanged. */
  id: string;
  kind: 'statements' | 'backfill' | 'script';
  transactional: boolean;
  /** The SQL sent, statements separated by `;`. */
  sql: string;
  statements: readonly Statement[];
  expectedLocks: TableLock[];
  /** 1-based line of the first statement, for messages. */
  line: number;
  /** 1-based line of each statement, so a failure names the one that failed. */
  statementLines: number[];
  /** Kind `script`: the export to call (no SQL, no statements, locks unknown before it runs). */
  script?: ScriptPhase;
}

/** What one phase of one migration will do; data only, so --dry-run and tests read it without a database. */
export interface PhasePlan {
  migration: { version: string; name: string; path: string };
  phase: Phase;
  /** sha256 of the section text (every segment of the phase, in file order); of the whole file for a script migration. */
  checksum: string;
  actions: Action[];
}

export interface PlanOptions {
  pgVersion: number;
  /** Decides which migrate statements run as batched backfills (default: the engine this build ships). */
  backfill?: Pick<BackfillEngine, 'isBackfillStatement' | 'hasNoBatchDirective'>;
}

/** The key a migration is stored under: its version (`0003`, `2.1`), else its name for unversioned layouts. */
export function migrationKey(file: Pick<MigrationFile, 'version' | 'name'>): string {
  return file.version.length > 0 ? file.version.join('.') : file.name;
}

/** The text of a phase section: its segments in file order. */
export function sectionText(file: MigrationFile, phase: Phase): string {
  return file.segments
    .filter((s) => s.phase === phase)
    .map((s) => file.text.slice(s.start, s.end))
    .join('\n');
}

/**
 * What a phase's checksum covers: its section text; for a TypeScript or
 * JavaScript migration the whole file, since one export may call code shared
 * with the others (so any edit after a phase ran is refused).
 */
export function sectionChecksum(file: MigrationFile, phase: Phase): string {
  return createHash('sha256').update(file.script ? file.text : sectionText(file, phase)).digest('hex');
}

/**
 * The plan of one phase of a loaded script migration: one action calling its
 * export in one transaction, or none when the module does not export it.
 */
export function planScriptPhase(file: MigrationFile, phase: Phase, exports: Partial<Record<Phase, ScriptPhase>>): PhasePlan {
  const script = exports[phase];
  const action: Action | undefined = script && {
    id: `${phase}#1`,
    kind: 'script',
    transactional: true,
    sql: '',
    statements: [],
    expectedLocks: [],
    line: 1,
    statementLines: [],
    script,
  };
  return {
    migration: { version: migrationKey(file), name: file.name, path: file.path },
    phase,
    checksum: sectionChecksum(file, phase),
    actions: action ? [action] : [],
  };
}

/**
 * Splits a phase section into actions. Consecutive statements that can share
 * a transaction form one action; a statement that cannot run in a
 * transaction block is an action alone. Explicit `BEGIN … COMMIT` in the file
 * are honoured as action boundaries (the block becomes one action, nothing in
 * it batched); `ROLLBACK`, `PREPARE TRANSACTION` and the like are refused, as
 * is a statement that cannot run in a transaction inside an explicit block.
 * A foreign file its tool runs outside a transaction gets one transaction per
 * statement. In the migrate phase, UPDATE / DELETE / INSERT … SELECT become batched
 * backfills unless `-- pgtandem:no-batch` precedes them. Needs the parser
 * loaded (`loadParser()`).
 */
export function planPhase(file: MigrationFile, phase: Phase, options: PlanOptions): PhasePlan {
  if (file.script) throw new RunnerError('PLAN_REFUSED', `${file.path}: a ${file.script.language} migration has no SQL sections; plan it with planScriptPhase`);
  const source = new SourceText(file.text);
  const where = (statement: Statement): string => `${file.path}:${source.position(statement.start).line}`;
  const statements = file.segments.filter((s) => s.phase === phase).flatMap((s) => parseSegment(file.text, s).statements);
  const actions: Action[] = [];
  let group: Statement[] = [];
  let explicit: Statement | undefined;

  const push = (kind: Action['kind'], transactional: boolean, list: Statement[]): void => {
    if (list.length === 0) return;
    actions.push({
      id: `${phase}#${actions.length + 1}`,
      kind,
      transactional,
      sql: list.map((s) => s.text).join(';\n') + ';',
      statements: list,
      expectedLocks: mergeLocks(list.flatMap((statement) => tableLocks(statement))),
      line: source.position(list[0]!.start).line,
      statementLines: list.map((statement) => source.position(statement.start).line),
    });
  };
  const flush = (): void => {
    push('statements', true, group);
    group = [];
  };

  for (const statement of statements) {
    if (statement.kind === 'Invalid') {
      throw new RunnerError('PLAN_REFUSED', `${where(statement)}: ${phase} section does not parse: ${statement.error?.message ?? 'syntax error'}`);
    }
    const transaction = nodeOf(statement, 'TransactionStmt');
    if (transaction) {
      const kind = transaction.kind;
      if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
        if (explicit) throw new RunnerError('PLAN_REFUSED', `${where(statement)}: BEGIN inside a transaction already opened at ${where(explicit)}`);
        flush();
        explicit = statement;
        continue;
      }
      if (kind === 'TRANS_STMT_COMMIT') {
        flush();
        explicit = undefined;
        continue;
      }
      if (kind !== 'TRANS_STMT_SAVEPOINT' && kind !== 'TRANS_STMT_RELEASE' && kind !== 'TRANS_STMT_ROLLBACK_TO') {
        throw new RunnerError(
          'PLAN_REFUSED',
          `${where(statement)}: ${statement.text.split(/\s+/)[0]?.toUpperCase()} is not supported in a migration: the runner commits each action itself (remove it, or end the block with COMMIT)`,
        );
      }
    }
    if (cannotRunInTransaction(statement.node, options.pgVersion)) {
      if (explicit) {
        throw new RunnerError('PLAN_REFUSED', `${where(statement)}: this statement cannot run inside the transaction block opened at ${where(explicit)}`);
      }
      flush();
      push('statements', false, [statement]);
      continue;
    }
    if (phase === 'migrate' && !explicit && isBackfill(file, statement, options)) {
      flush();
      push('backfill', false, [statement]);
      continue;
    }
    group.push(statement);
    // A file its own tool runs without a transaction (goose NO TRANSACTION, popx autocommit, …) may rely on
    // each statement committing before the next (a new enum value used below it): one transaction each.
    if (!file.inTransaction && !explicit) flush();
  }
  if (explicit) throw new RunnerError('PLAN_REFUSED', `${where(explicit)}: BEGIN without a COMMIT before the end of the ${phase} section`);
  flush();
  return {
    migration: { version: migrationKey(file), name: file.name, path: file.path },
    phase,
    checksum: sectionChecksum(file, phase),
    actions,
  };
}

function isBackfill(file: MigrationFile, statement: Statement, options: PlanOptions): boolean {
  const engine = options.backfill ?? backfillEngine;
  return engine.isBackfillStatement(statement) && !engine.hasNoBatchDirective(file, statement);
}

function mergeLocks(locks: TableLock[]): TableLock[] {
  const merged: TableLock[] = [];
  for (const lock of locks) {
    const same = merged.find((l) => l.table.name === lock.table.name && l.table.schema === lock.table.schema);
    if (!same) merged.push({ ...lock });
    else if (lockStrength(lock.mode) > lockStrength(same.mode)) same.mode = lock.mode;
  }
  return merged;
}
