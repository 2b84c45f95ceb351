import { displayName, quoteIdent } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import { alterTableCommands, constraintOf, type AlterTableCommand } from './alter-table.js';
import type { RuleContext } from './rule.js';

/** A problem with `ADD … PRIMARY KEY | UNIQUE USING INDEX i` that the catalog shows. */
export interface UsingIndexProblem {
  command: AlterTableCommand;
  message: string;
  /** An error when PostgreSQL refuses the statement; a lock concern otherwise. */
  refused: boolean;
}

/**
 * What the catalog says about the index a constraint adopts with USING INDEX:
 * PostgreSQL refuses an index that does not exist, is not unique, is INVALID
 * (a failed CREATE INDEX CONCURRENTLY), partial or not a btree; and for a
 * primary key, nullable key columns are set NOT NULL — a full scan under ACCESS
 * EXCLUSIVE unless a validated CHECK (col IS NOT NULL) proves them (PostgreSQL 12+) or
 * the table is new (no traffic to block).
 * Says nothing about a table the catalog does not know.
 */
export function usingIndexProblems(statement: Statement, context: RuleContext, contype: 'CONSTR_PRIMARY' | 'CONSTR_UNIQUE'): UsingIndexProblem[] {
  const problems: UsingIndexProblem[] = [];
  for (const command of alterTableCommands(statement)) {
    const constraint = command.cmd.subtype === 'AT_AddConstraint' ? constraintOf(command.cmd.def) : undefined;
    if (constraint?.contype !== contype || !constraint.indexname) continue;
    const table = context.catalog.table(command.table, context.searchPath);
    if (!table) continue;
    const name = quoteIdent(constraint.indexname);
    const on = displayName(command.table);
    // An index lives in its table's schema.
    const index = context.catalog.indexes.get(`${table.schema}.${constraint.indexname}`);
    const refuse = (why: string): void => {
      problems.push({ command, message: `USING INDEX ${name} fails: ${why}.`, refused: true });
    };
    if (!index || index.table.name !== table.name || index.table.schema !== table.schema) refuse(`no index ${name} on ${on} exists at this point of the migrations — build it first (CREATE UNIQUE INDEX CONCURRENTLY, in an earlier migration or statement)`);
    else if (!index.valid) refuse(`${name} is INVALID (a CREATE INDEX CONCURRENTLY that failed): drop it and build it again`);
    else if (!index.unique) refuse(`${name} is not a unique index`);
    else if (index.partial) refuse(`${name} is a partial index, which cannot back a constraint`);
    else if (index.method !== 'btree') refuse(`${name} is a ${index.method} index; constraints need a btree`);
    else if (index.columns.some((c) => c.startsWith('('))) refuse(`${name} has expression keys, which cannot back a constraint`);
    else if (contype === 'CONSTR_PRIMARY' && !context.isNew('table', command.table)) {
      const proven = (column: string): boolean =>
        context.pgVersion >= 12 && table.constraints.some((c) => c.kind === 'check' && c.validated && c.isNotNullCheckOf === column);
      const nullable = index.columns.filter((c) => table.columns.find((col) => col.name === c)?.notNull === false && !proven(c));
      if (nullable.length > 0) {
        problems.push({
          command,
          refused: false,
          message:
            `Adding the primary key USING INDEX ${name} sets ${nullable.map(quoteIdent).join(', ')} NOT NULL, which scans ${on} under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends. ` +
            `Validate a CHECK (${quoteIdent(nullable[0]!)} IS NOT NULL) first (added NOT VALID, validated in a later transaction), or SET NOT NULL the same way, and the key is instant.`,
        });
      }
    }
  }
  return problems;
}
