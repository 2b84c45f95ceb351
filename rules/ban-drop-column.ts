import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'ban-drop-column',
  category: 'compat',
  severity: 'error',
  phases: ['expand', 'migrate', 'abort'],
  statementKinds: ['AlterTableStmt'],
  summary: 'DROP COLUMN before the contract phase.',
  why:
    'Before contract, the old version (v1) is still running and still reads and writes the column: its queries fail with "column does not exist" ' +
    '(and ORMs that cache the column list fail even on queries that do not name it). A dropped column cannot be restored if v2 is rolled back.',
  recipe: ['drop-column'],
  fix:
    'Expand: make v2 stop using the column (if it is NOT NULL without a default, DROP NOT NULL first so v2 can insert without it). ' +
    'Contract: drop it once v1 is gone — ideally a release later, so a rollback still finds it.',
  examples: {
    bad: [
      'ALTER TABLE users DROP COLUMN legacy_flags;\n',
      'ALTER TABLE app."Users" ADD COLUMN "displayName" text, DROP COLUMN IF EXISTS "LegacyName";\n',
    ],
    good: [
      '-- pgtandem:contract\nALTER TABLE users DROP COLUMN legacy_flags;\n',
      'ALTER TABLE users ADD COLUMN email_lower text;\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN email_lower;\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
      if (context.isNewColumn(table, cmd.name)) continue;
      context.report({
        message: `Dropping column ${quoteIdent(cmd.name)} of ${displayName(table)} in ${context.phase} breaks the old version (v1), which still uses it; drop columns in contract.`,
        span: command.span,
      });
    }
  },
});
