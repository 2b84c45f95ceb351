import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { usingIndexProblems } from '../src/lint/using-index.js';
import { keysAddedInPlace } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'disallowed-unique-constraint',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'A UNIQUE constraint added to an existing table by building its index in place (ADD UNIQUE without USING INDEX, or ADD COLUMN … UNIQUE).',
  why:
    'ADD CONSTRAINT … UNIQUE builds the unique index while holding an ACCESS EXCLUSIVE lock on the table: no reads or writes until the whole index is built, ' +
    'and a duplicate found at the end throws all that work away.',
  recipe: ['add-unique'],
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
    for (const { command, constraint, column } of keysAddedInPlace(statement, 'CONSTR_UNIQUE', (table) => context.isNew('table', table))) {
      const table = displayName(command.table);
      context.report({
        message: constraint
          ? `Adding UNIQUE constraint${constraint.name ? ` ${quoteIdent(constraint.name)}` : ''} (${constraint.keys.map(quoteIdent).join(', ')}) to ${table} ` +
            'builds its index under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole build. Build a unique index CONCURRENTLY and add the constraint USING INDEX.'
          : `Adding column ${quoteIdent(column!)} with UNIQUE to ${table} builds a unique index over every row under an ACCESS EXCLUSIVE lock: ` +
            'reads and writes wait for the whole build. Add the column bare, then index it CONCURRENTLY.',
        span: command.span,
      });
    }
    for (const problem of usingIndexProblems(statement, context, 'CONSTR_UNIQUE')) {
      context.report({ message: problem.message, span: problem.command.span, ...(problem.refused ? { severity: 'error' as const } : {}) });
    }
  },
});
