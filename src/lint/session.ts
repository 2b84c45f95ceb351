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
}

/**
 * The database session a migration file runs in, replayed statement by
 * statement: transaction boundaries (explicit BEGIN/COMMIT, the runner's
 * transaction per phase for native files, the tool's transaction per file
 * for foreign ones) and the settings made with SET.
 */
export class Session {
  #explicit = false;
  #id = 0;
  #phase: Phase | undefined;
  readonly #settings = new Map<string, string>();
  readonly #localSettings = new Map<string, string>();

  constructor(
    private readonly file: MigrationFile,
    private readonly pgVersion: number,
  ) {}

  /** The transaction state `statement` runs in; call once per statement, in order. */
  enter(statement: Statement, phase: Phase): TransactionState {
    const native = this.file.layout === 'native';
    if (native && phase !== this.#phase && !this.#explicit) this.#id++;
    this.#phase = phase;
    const alone = !this.#explicit && native && cannotRunInTransaction(statement.node, this.pgVersion);
    if (alone) this.#id++;
    const state: TransactionState = {
      inTransaction: this.#explicit || (this.file.inTransaction && !alone),
      id: this.#id,
      explicit: this.#explicit,
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
  }

  setting(name: string): string | undefined {
    const key = name.toLowerCase();
    return this.#localSettings.get(key) ?? this.#settings.get(key);
  }

  get searchPath(): string[] {
    const value = this.setting('search_path');
    if (value === undefined) return ['public'];
    const schemas = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== '"$user"' && s !== '$user')
      .map((s) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase()));
    return schemas.length > 0 ? schemas : ['public'];
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
        if (name) target.set(name, (set.args ?? []).map(constantText).join(', '));
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
