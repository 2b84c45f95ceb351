import type { Node } from '@pgsql/types';
import type { Phase } from '../migrations/phase.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Statement } from '../sql/statement.js';
import { cannotRunInTransaction } from '../sql/transaction-block.js';

/** Where a statement stands in the transaction model when it runs. */
export interface TransactionState {
  inTransaction: boolean;
  /** Statements with the same id run in the same transaction. */
  id: number;
  /** Opened by an explicit BEGIN in the file (rather than by the tool that applies it). */
  explicit: boolean;
  /** How the tool that applies the file runs it. */
  mode: TransactionMode;
}

/**
 * How a migration tool runs a file:
 * - `runner`: pgtandem's runner, one transaction per phase, split around statements that cannot run in one;
 * - `wrapped`: BEGIN before the file, COMMIT after (goose, dbmate, diesel, popx, Drizzle, and plain files
 *   under `assumeInTransaction`); a COMMIT in the file ends it early and what follows runs in autocommit;
 * - `batch`: the whole file sent as one query string (golang-migrate, Prisma): PostgreSQL runs a
 *   multi-statement string as one implicit transaction, a single statement outside any;
 * - `auto`: Flyway, which runs a migration without a transaction when it holds a statement that cannot run in one;
 * - `none`: autocommit, statement by statement; only an explicit BEGIN opens a transaction;
 * - `script`: pgtandem's runner calling a TypeScript/JavaScript migration's phase function: the whole
 *   phase in one transaction, nothing split out (a statement that cannot run in one fails).
 */
export type TransactionMode = 'runner' | 'script' | 'wrapped' | 'batch' | 'auto' | 'none';

export function transactionModeOf(file: MigrationFile): TransactionMode {
  if (file.script) return 'script';
  if (file.layout === 'native') return 'runner';
  if (!file.inTransaction) return 'none';
  if (file.layout === 'golang-migrate' || file.layout === 'prisma') return 'batch';
  if (file.layout === 'flyway') return 'auto';
  return 'wrapped';
}

/**
 * The database session a migration file runs in, replayed statement by
 * statement: transaction boundaries (explicit BEGIN/COMMIT, the runner's
 * transaction per phase for native files, the tool's transaction per file
 * for foreign ones) and the settings made with SET.
 */
export class Session {
  readonly #mode: TransactionMode;
  /** Inside a BEGIN written in the file. */
  #explicit = false;
  /** Inside the transaction the tool opened around the file (until a COMMIT in the file ends it). */
  #toolTransaction: boolean;
  #id = 0;
  #phase: Phase | undefined;
  /** Setting name → its SET arguments (search_path has one per schema). */
  readonly #settings = new Map<string, string[]>();
  readonly #localSettings = new Map<string, string[]>();

  /** `statements`: every statement of the file, which `batch` and `auto` modes need to know up front. */
  constructor(
    file: MigrationFile,
    private readonly pgVersion: number,
    statements: readonly Statement[],
  ) {
    this.#mode = transactionModeOf(file);
    if (this.#mode === 'auto' && statements.some((s) => cannotRunInTransaction(s.node, pgVersion))) this.#mode = 'none';
    if (this.#mode === 'batch' && statements.length <= 1) this.#mode = 'none';
    this.#toolTransaction = this.#mode === 'wrapped' || this.#mode === 'auto' || this.#mode === 'batch';
  }

  /** The transaction state `statement` runs in; call once per statement, in order. */
  enter(statement: Statement, phase: Phase): TransactionState {
    // A DO block or function runs inside one transaction, its parent statement's.
    if (statement.container) return { inTransaction: true, id: this.#id, explicit: this.#explicit, mode: this.#mode };
    const runner = this.#mode === 'runner';
    if ((runner || this.#mode === 'script') && phase !== this.#phase && !this.#explicit) {
      // Each phase runs at its own deploy stage, in a session of its own.
      this.#id++;
      this.#settings.clear();
      this.#localSettings.clear();
    }
    this.#phase = phase;
    const alone = !this.#explicit && runner && cannotRunInTransaction(statement.node, this.pgVersion);
    if (alone) {
      // The runner commits before such a statement: SET LOCAL ends with that transaction.
      this.#id++;
      this.#localSettings.clear();
    }
    const state: TransactionState = {
      inTransaction: this.#explicit || (runner ? !alone : this.#mode === 'script' || this.#toolTransaction),
      id: this.#id,
      explicit: this.#explicit,
      mode: this.#mode,
    };
    if (alone) this.#id++;
    return state;
  }

  /** Applies what `statement` changes in the session, after the rules have seen it. */
  leave(statement: Statement): void {
    const node = statement.node;
    if (!node) return;
    if ('TransactionStmt' in node) this.#transaction(node.TransactionStmt.kind);
    if ('VariableSetStmt' in node) this.#set(node.VariableSetStmt);
    if ('SelectStmt' in node) for (const call of setConfigCalls(node)) this.#set(call);
  }

  setting(name: string): string | undefined {
    return this.#arguments(name)?.join(', ');
  }

  /** Schemas for unqualified names. The parser has folded each SET argument already; each is one schema. */
  get searchPath(): string[] {
    const schemas = (this.#arguments('search_path') ?? []).filter((s) => s !== '' && s !== '$user');
    return schemas.length > 0 ? schemas : ['public'];
  }

  #arguments(name: string): string[] | undefined {
    const key = name.toLowerCase();
    return this.#localSettings.get(key) ?? this.#settings.get(key);
  }

  #transaction(kind: string | undefined): void {
    switch (kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        if (!this.#explicit) this.#id++;
        this.#explicit = true;
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        this.#explicit = false;
        // A batch is one implicit transaction block after another; a wrapping tool's transaction is over.
        if (this.#mode !== 'batch') this.#toolTransaction = false;
        this.#localSettings.clear();
        this.#id++;
        break;
      default:
        break;
    }
  }

  #set(set: { kind?: string; name?: string; args?: Node[]; is_local?: boolean }): void {
    const target = set.is_local ? this.#localSettings : this.#settings;
    const name = set.name?.toLowerCase();
    switch (set.kind) {
      case 'VAR_SET_VALUE':
        if (name) target.set(name, (set.args ?? []).map(constantText));
        break;
      case 'VAR_SET_DEFAULT':
      case 'VAR_RESET':
        if (name) {
          this.#settings.delete(name);
          this.#localSettings.delete(name);
        }
        break;
      case 'VAR_RESET_ALL':
        this.#settings.clear();
        this.#localSettings.clear();
        break;
      default:
        break;
    }
  }
}

/** `SELECT set_config('lock_timeout', '2s', false)`: the function form of SET (is_local when the third argument is true). */
function setConfigCalls(node: Node): { kind: string; name: string; args: Node[]; is_local: boolean }[] {
  if (!('SelectStmt' in node)) return [];
  const calls: { kind: string; name: string; args: Node[]; is_local: boolean }[] = [];
  for (const target of node.SelectStmt.targetList ?? []) {
    const value = 'ResTarget' in target ? target.ResTarget.val : undefined;
    if (!value || !('FuncCall' in value)) continue;
    const names = (value.FuncCall.funcname ?? []).map((n) => ('String' in n ? n.String.sval : undefined));
    if (names[names.length - 1] !== 'set_config') continue;
    const [name, setting, local] = value.FuncCall.args ?? [];
    if (!name || !setting) continue;
    const isLocal = local !== undefined && constantText(local) === 'true';
    calls.push({ kind: 'VAR_SET_VALUE', name: constantText(name), args: [setting], is_local: isLocal });
  }
  return calls;
}

function constantText(node: Node): string {
  if ('A_Const' in node) {
    const c = node.A_Const;
    if (c.sval) return c.sval.sval ?? '';
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return c.fval.fval ?? '';
    if (c.boolval) return String(c.boolval.boolval ?? false);
  }
  if ('String' in node) return node.String.sval ?? '';
  return '';
}
