import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { stringValue } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';

/**
 * The search_path of the session a migration file runs in, for a replay
 * without the linter's session model: `SET [LOCAL] search_path` and
 * `RESET search_path`, a `SET LOCAL` lasting until the `COMMIT` or
 * `ROLLBACK` that ends its transaction. pgtandem's runner opens a session
 * per phase of a native file; other tools run a file in one session.
 */
export class SearchPath {
  #session: string[] = ['public'];
  /** Set by `SET LOCAL`: until the transaction ends. */
  #local: string[] | undefined;
  #phase: Phase | undefined;

  constructor(private readonly file: MigrationFile) {}

  get schemas(): readonly string[] {
    return this.#local ?? this.#session;
  }

  enter(statement: Statement): void {
    const phase = statement.segment.phase;
    if (this.file.layout === 'native' && phase !== this.#phase) {
      this.#session = ['public'];
      this.#local = undefined;
    }
    this.#phase = phase;
  }

  leave(statement: Statement): void {
    const node = statement.node;
    if (!node) return;
    if ('TransactionStmt' in node) {
      const kind = node.TransactionStmt.kind;
      if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') this.#local = undefined;
      return;
    }
    if (!('VariableSetStmt' in node)) return;
    const set = node.VariableSetStmt;
    if (set.name?.toLowerCase() !== 'search_path') return;
    if (set.kind === 'VAR_SET_VALUE') {
      const given = (set.args ?? []).map((a) => ('A_Const' in a ? a.A_Const.sval?.sval : stringValue(a))).filter((s): s is string => s !== undefined && s !== '' && s !== '$user');
      const schemas = given.length > 0 ? given : ['public'];
      if (set.is_local) this.#local = schemas;
      else {
        // A plain SET in the transaction replaces what SET LOCAL set, and outlives it.
        this.#session = schemas;
        this.#local = undefined;
      }
    } else if (set.kind === 'VAR_SET_DEFAULT' || set.kind === 'VAR_RESET') {
      this.#session = ['public'];
      this.#local = undefined;
    }
  }
}
