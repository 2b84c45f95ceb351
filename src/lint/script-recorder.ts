import type { CompiledQuery, DatabaseConnection, Driver, Kysely, KyselyPlugin, QueryResult } from 'kysely';
import type { ScriptPhase } from '../migrations/load-script.js';
import { isTransactionControl } from '../sql/transaction-block.js';
import { captureStack } from './script-call-site.js';

/** One query a phase function sent to its `db`, as Kysely compiled it for PostgreSQL. */
export interface RecordedQuery {
  kind: 'query';
  sql: string;
  parameters: readonly unknown[];
  /** The stack when the query was built (`.execute()` in the user's code), else when it reached the driver. */
  stack: string;
}

/** `db.transaction()`, `db.startTransaction()` or a raw BEGIN / COMMIT / ROLLBACK: refused by the runner, which owns the phase's transaction. */
export interface RecordedTransactionControl {
  kind: 'transaction';
  what: string;
  stack: string;
}

export type Recorded = RecordedQuery | RecordedTransactionControl;

/** How calling one phase function against the recording `db` ended. */
export type PhaseOutcome =
  | { status: 'done' }
  | { status: 'threw'; error: unknown }
  | { status: 'timed-out'; afterMs: number };

export interface PhaseRecording {
  recorded: Recorded[];
  outcome: PhaseOutcome;
}

/** How long a phase function may take before lint gives up on it: it runs against no database, so only a bug takes long. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 5_000;

/**
 * Calls a phase function with a Kysely whose driver executes nothing: every
 * query is compiled by Kysely's PostgreSQL adapter and compiler and recorded
 * with the stack of the call that built it, and every result is empty (no
 * rows, no affected rows) — a function that reads data and branches on it
 * takes its "no rows" branch. `db.transaction()` and `db.connection()` work;
 * the transaction boundaries are recorded apart from the queries. A function
 * that neither resolves nor rejects within `timeoutMs` is left behind
 * (whatever it sends later is dropped). A synchronous endless loop cannot be
 * interrupted.
 */
export async function recordPhase(phase: ScriptPhase, timeoutMs = DEFAULT_SCRIPT_TIMEOUT_MS): Promise<PhaseRecording> {
  const recorded: Recorded[] = [];
  let open = true;
  const record = (entry: Recorded): void => {
    if (open) recorded.push(entry);
  };
  // Loaded on first use: linting SQL alone never pays for Kysely.
  const db = recordingKysely(await import('kysely'), record);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<PhaseOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timed-out', afterMs: timeoutMs }), timeoutMs);
  });
  const ran = Promise.resolve()
    .then(() => phase.run(db))
    .then(
      (): PhaseOutcome => ({ status: 'done' }),
      (error: unknown): PhaseOutcome => ({ status: 'threw', error }),
    );
  const outcome = await Promise.race([ran, timedOut]);
  clearTimeout(timer);
  open = false;
  return { recorded, outcome };
}

function recordingKysely(kysely: typeof import('kysely'), record: (entry: Recorded) => void): Kysely<any> {
  const { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } = kysely;
  // Kysely compiles a builder's query synchronously inside execute(): the stack then still holds the user's call.
  const stacks = new WeakMap<object, string>();
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      stacks.set(args.queryId, captureStack());
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const stack = stacks.get(query.queryId) ?? captureStack();
      if (isTransactionControl(query.sql)) record({ kind: 'transaction', what: query.sql.trim().split(/\s+/)[0]!.toUpperCase(), stack });
      else record({ kind: 'query', sql: query.sql, parameters: query.parameters, stack });
      return { rows: [] };
    },
    async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
      await this.executeQuery(query);
    },
  };
  // Savepoints are fine inside the runner's transaction: they are linted as the statements they are.
  const savepoint = (verb: string) => async (_connection: DatabaseConnection, name: string): Promise<void> => {
    record({ kind: 'query', sql: `${verb} ${quoteName(name)}`, parameters: [], stack: captureStack() });
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    // Recorded where the user's code asks for the transaction (below); its BEGIN, COMMIT or ROLLBACK adds nothing.
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    savepoint: savepoint('SAVEPOINT'),
    rollbackToSavepoint: savepoint('ROLLBACK TO SAVEPOINT'),
    releaseSavepoint: savepoint('RELEASE SAVEPOINT'),
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    },
    plugins: [plugin],
  });
  // By the time the driver is asked to BEGIN, the user's frame is gone from the stack: take it at the call.
  for (const method of ['transaction', 'startTransaction'] as const) {
    const original = db[method].bind(db);
    Object.defineProperty(db, method, {
      value: (...args: []) => {
        record({ kind: 'transaction', what: `db.${method}()`, stack: captureStack() });
        return original(...args);
      },
    });
  }
  return db;
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
