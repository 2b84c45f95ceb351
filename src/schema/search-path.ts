import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { stringValue } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';

/**
 * The search_path of the session a migration file runs in, for a replay
 * without the linter's session model: `SET [LOCAL] search_path` and
 * `RESET search_path`. pgtandem's runner opens a session per phase of a
 * native file; other tools run a file in one session.
 */
export class SearchPath {
  #schemas: string[] = ['public'];
  #phase: Phase | undefined;

  constructor(private readonly file: MigrationFile) {}

  get schemas(): readonly string[] {
    return this.#schemas;
  }

  enter(statement: Statement): void {
    const phase = statement.segment.phase;
    if (this.file.layout === 'native' && phase !== this.#phase) this.#schemas = ['public'];
    this.#phase = phase;
  }

  leave(statement: Statement): void {
    const node = statement.node;
    if (!node || !('VariableSetStmt' in node)) return;
    const set = node.VariableSetStmt;
    if (set.name?.toLowerCase() !== 'search_path') return;
    if (set.kind === 'VAR_SET_VALUE') {
      const schemas = (set.args ?? []).map((a) => ('A_Const' in a ? a.A_Const.sval?.sval : stringValue(a))).filter((s): s is string => s !== undefined && s !== '' && s !== '$user');
      this.#schemas = schemas.length > 0 ? schemas : ['public'];
    } else if (set.kind === 'VAR_SET_DEFAULT' || set.kind === 'VAR_RESET') {
      this.#schemas = ['public'];
    }
  }
}
