import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnConstraints, columnDefOf, fillsExistingRows } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'adding-required-field',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ADD COLUMN … NOT NULL without a DEFAULT on an existing table.',
  why:
    'Existing rows would get NULL in a NOT NULL column, so PostgreSQL refuses the ALTER on any non-empty table ("column contains null values"). ' +
    'Even on an empty table, the running version (v1) does not know the column and every INSERT it makes now fails.',
  recipe: ['add-column'],
  fix:
    'Expand: add the column NOT NULL with a constant DEFAULT (metadata-only since PostgreSQL 11), or nullable. ' +
    'Migrate: backfill in batches. Contract: once v2 writes it everywhere, enforce it — ADD CHECK (col IS NOT NULL) NOT VALID, VALIDATE, then SET NOT NULL — and drop the default if v2 always sets it.',
  examples: {
    bad: ['ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;\n', 'ALTER TABLE users ADD COLUMN plan text DEFAULT NULL NOT NULL;\n'],
    good: [
      "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n",
      'ALTER TABLE users ADD COLUMN tenant_id bigint;\n',
      'CREATE TABLE teams (id bigint PRIMARY KEY);\nALTER TABLE teams ADD COLUMN name text NOT NULL;\n',
      // Postgres fills the default in for existing rows without a rewrite (PostgreSQL 11+).
      'ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL DEFAULT 0;\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_AddColumn') continue;
      const column = columnDefOf(cmd);
      if (!column?.colname || context.isNew('table', table)) continue;
      // ADD COLUMN IF NOT EXISTS on a column the table already has: nothing is added.
      const existing = context.catalog.table(table, context.searchPath)?.columns.some((c) => c.name === column.colname);
      if (cmd.missing_ok && existing) continue;
      const required = columnConstraints(column).some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
      if (!required || fillsExistingRows(column)) continue;
      context.report({
        message: `Adding NOT NULL column ${quoteIdent(column.colname)} without a default to ${displayName(table)} fails on existing rows and breaks the running version's INSERTs.`,
        span: command.span,
      });
    }
  },
});
