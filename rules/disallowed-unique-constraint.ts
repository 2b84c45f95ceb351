import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf } from '../src/lint/alter-table.js';
import { displayName, quoteIdent, stringValue } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'disallowed-unique-constraint',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  summary: 'A UNIQUE constraint added to an existing table by building its index in place (ADD UNIQUE without USING INDEX, or ADD COLUMN … UNIQUE).',
  why:
    'ADD CONSTRAINT … UNIQUE builds the unique index while holding an ACCESS EXCLUSIVE lock on the table: no reads or writes until the whole index is built, ' +
    'and a duplicate found at the end throws all that work away.',
  fix:
    'Expand (or a migration of its own): CREATE UNIQUE INDEX CONCURRENTLY t_col_key ON t (col) — outside a transaction (the pgtandem runner runs it alone); ' +
    'it blocks no reads or writes, and if it fails on duplicates, drop the INVALID index, fix the data and retry. ' +
    'Then ALTER TABLE t ADD CONSTRAINT t_col_key UNIQUE USING INDEX t_col_key: a brief ACCESS EXCLUSIVE lock, no build. ' +
    'For a new column: add it bare first, then index it the same way.',
  examples: {
    bad: [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n',
      'ALTER TABLE users ADD UNIQUE (tenant_id, handle);\n',
      'ALTER TABLE users ADD COLUMN api_key text UNIQUE;\n',
    ],
    good: [
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n' + 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;\n',
      'CREATE TABLE api_keys (id bigint PRIMARY KEY, token text);\nALTER TABLE api_keys ADD CONSTRAINT api_keys_token_key UNIQUE (token);\n',
    ],
  },
  check(statement, context) {
    // PostgreSQL refuses key constraints on a foreign table: no index, no lock to speak of.
    if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return;
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || context.isNew('table', table)) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(cmd.def);
        if (constraint?.contype !== 'CONSTR_UNIQUE' || constraint.indexname) continue;
        const keys = (constraint.keys ?? []).map(stringValue).filter((k) => k !== undefined);
        context.report({
          message:
            `Adding UNIQUE constraint${constraint.conname ? ` ${quoteIdent(constraint.conname)}` : ''} (${keys.map(quoteIdent).join(', ')}) to ${displayName(table)} ` +
            'builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build. Build a unique index CONCURRENTLY and add the constraint USING INDEX.',
          span: command.span,
        });
      } else if (cmd.subtype === 'AT_AddColumn') {
        const column = columnDefOf(cmd);
        if (!column?.colname || !columnConstraints(column).some((c) => c.contype === 'CONSTR_UNIQUE')) continue;
        context.report({
          message:
            `Adding column ${quoteIdent(column.colname)} with UNIQUE to ${displayName(table)} builds a unique index over every row under an ACCESS EXCLUSIVE lock: ` +
            'reads and writes wait for the whole build. Add the column bare, then index it CONCURRENTLY.',
          span: command.span,
        });
      }
    }
  },
});
