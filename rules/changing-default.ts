import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnDefOf, type AlterTableCommand } from '../src/lint/alter-table.js';
import { sameName } from '../src/lint/same-name.js';
import { displayName, quoteIdent, type QualifiedName } from '../src/sql/names.js';

/**
 * DROP DEFAULT, ALTER COLUMN … TYPE, SET DEFAULT in one transaction: the way Prisma and Drizzle change a
 * column's enum type. The default is put back (for the new type), not changed.
 */
function restoresAfterTypeChange(table: QualifiedName, column: string, earlier: readonly AlterTableCommand[]): boolean {
  const on = earlier.filter((c) => c.onTable && c.cmd.name === column && sameName(c.table, table));
  const dropped = on.some((c) => c.cmd.subtype === 'AT_ColumnDefault' && (c.cmd.def === undefined || ('A_Const' in c.cmd.def && c.cmd.def.A_Const.isnull === true)));
  return dropped && on.some((c) => c.cmd.subtype === 'AT_AlterColumnType');
}

export default defineRule({
  id: 'changing-default',
  category: 'compat',
  severity: 'warn',
  phases: ['expand', 'migrate'],
  statementKinds: ['AlterTableStmt'],
  summary: 'SET DEFAULT on an existing column while the old version still runs.',
  why:
    'While v1 is live a new default splits the data two ways: v1’s INSERTs that leave the column out get the new value, which v1 was not written for, ' +
    'and ORMs that read defaults once and write them explicitly (ActiveRecord’s schema cache, model-level defaults in Django, Hibernate) keep writing the old value, ' +
    'so v2 cannot rely on the new default either. A warning: it depends on how each version writes the column. It takes a brief ACCESS EXCLUSIVE lock.',
  fix:
    'Expand: ship v2 writing the new value explicitly; do not rely on either default while both versions run. Contract: change the default once v1 is gone. ' +
    'A default on a column added in the same migration (ADD COLUMN, then SET DEFAULT) is not flagged: no running version knows the column; ' +
    'nor is a first default on a NOT NULL column that has none (every INSERT of v1 names the column already: the way v2 stops writing a column it drops).',
  examples: {
    bad: [
      "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'awaiting_payment';\n",
      "ALTER TABLE app.\"Orders\"\n  ALTER COLUMN \"currency\" SET DEFAULT 'EUR',\n  ALTER COLUMN \"channel\" SET DEFAULT 'web';\n",
    ],
    good: [
      "ALTER TABLE orders ADD COLUMN channel text;\nALTER TABLE orders ALTER COLUMN channel SET DEFAULT 'web';\n",
      "-- pgtandem:contract\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'awaiting_payment';\n",
    ],
  },
  check(statement, context) {
    const commands = alterTableCommands(statement);
    commands.forEach((command, i) => {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_ColumnDefault' || !cmd.name || !cmd.def) return;
      // SET DEFAULT NULL drops the default: ban-drop-default reads it.
      if ('A_Const' in cmd.def && cmd.def.A_Const.isnull) return;
      const column = cmd.name;
      if (context.isNewColumn(table, column)) return;
      if (commands.slice(0, i).some((c) => c.cmd.subtype === 'AT_AddColumn' && columnDefOf(c.cmd)?.colname === column)) return;
      // A first default on a NOT NULL column without one changes nothing v1 sees: each of its inserts names the column
      // (or fails). It is how v2 stops writing a column before contract drops it.
      const known = context.catalog.table(table, context.searchPath)?.columns.find((c) => c.name === column);
      if (known?.notNull && known.default === undefined && !known.identity && !known.generated) return;
      if (restoresAfterTypeChange(table, column, [...context.transactionStatements.flatMap(alterTableCommands), ...commands.slice(0, i)])) return;
      context.report({
        message: `Changing the default of ${quoteIdent(column)} on ${displayName(table)} in ${context.phase}: the old version (v1) still inserts rows — those that leave ${quoteIdent(column)} out now get the new default, and an ORM that cached the old one keeps writing it.`,
        span: command.span,
      });
    });
  },
});
