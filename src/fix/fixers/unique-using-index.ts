import { alterTableCommands, constraintOf } from '../../lint/alter-table.js';
import { truncateIdentifier } from '../../lint/identifier-length.js';
import { displayName, quoteIdent, stringValue } from '../../sql/names.js';
import type { Fixer } from '../fixer.js';
import { leaveTransaction } from '../leave-transaction.js';

/**
 * disallowed-unique-constraint and adding-serial-primary-key-field: a UNIQUE or
 * PRIMARY KEY constraint added in place becomes a unique index built
 * CONCURRENTLY, then the constraint added USING INDEX (a brief lock).
 */
export const uniqueUsingIndex: Fixer = {
  rules: ['disallowed-unique-constraint', 'adding-serial-primary-key-field'],
  fix(target) {
    const commands = alterTableCommands(target.statement);
    if (commands.length !== 1) return { reason: 'the ALTER TABLE has other clauses: split it first' };
    const { cmd, table } = commands[0]!;
    const constraint = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def) : undefined;
    if (!constraint || (constraint.contype !== 'CONSTR_UNIQUE' && constraint.contype !== 'CONSTR_PRIMARY') || constraint.indexname) {
      return { reason: 'a column added with UNIQUE or PRIMARY KEY: add the column bare, then index it CONCURRENTLY' };
    }
    if (constraint.including?.length || constraint.deferrable || constraint.options?.length || constraint.indexspace || constraint.nulls_not_distinct) {
      return { reason: 'the constraint has index options (INCLUDE, DEFERRABLE, WITH, TABLESPACE, NULLS NOT DISTINCT): write the index by hand' };
    }
    const keys = (constraint.keys ?? []).map(stringValue).filter((k): k is string => k !== undefined);
    const primary = constraint.contype === 'CONSTR_PRIMARY';
    const name = constraint.conname ?? truncateIdentifier(primary ? `${table.name}_pkey` : `${table.name}_${keys.join('_')}_key`);
    const way = leaveTransaction(target);
    if ('reason' in way) return way;
    const on = displayName(table);
    const sql =
      `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${on} (${keys.map(quoteIdent).join(', ')});\n` +
      `ALTER TABLE ${on} ADD CONSTRAINT ${quoteIdent(name)} ${primary ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${quoteIdent(name)}`;
    return { edits: [{ start: target.statement.start, end: target.statement.end, text: sql }, ...way.edits] };
  },
};
