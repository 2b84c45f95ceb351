import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { alterTableCommands, columnDefOf } from '../src/lint/alter-table.js';
import { sameName } from '../src/lint/same-name.js';
import { sectionStatements } from '../src/lint/section-statements.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

// Trigger type bits (pg_trigger.tgtype): the parse tree's `timing` and `events`.
const TRIGGER_BEFORE = 2;
const TRIGGER_INSERT = 4;

/** A row-level BEFORE INSERT trigger on `table`: it can fill the column for rows whose writer leaves it out. */
function fillsOnInsert(statement: Statement, table: QualifiedName): boolean {
  const trigger = nodeOf(statement, 'CreateTrigStmt');
  const on = nameOfRangeVar(trigger?.relation);
  if (!trigger || !on || !sameName(on, table) || trigger.row !== true) return false;
  return ((trigger.timing ?? 0) & TRIGGER_BEFORE) !== 0 && ((trigger.events ?? 0) & TRIGGER_INSERT) !== 0;
}

/** Whether this migration's expand (or current) section creates such a trigger, before or after the DROP NOT NULL. */
function triggerFillsColumn(table: QualifiedName, context: RuleContext): boolean {
  const phases = context.phase === 'expand' ? (['expand'] as const) : (['expand', context.phase] as const);
  return phases.some((phase) => sectionStatements(context.file, phase).some((s) => fillsOnInsert(s, table)));
}

export default defineRule({
  id: 'ban-drop-not-null',
  category: 'compat',
  severity: 'warn',
  phases: ['expand', 'migrate'],
  statementKinds: ['AlterTableStmt'],
  summary: 'DROP NOT NULL on an existing column while the old version still runs.',
  why:
    'The old version (v1) was written against a NOT NULL column: its code, its ORM models and its API types assume a value is always there. ' +
    'Dropping the constraint breaks nothing by itself, but once v2 (or a job) writes NULL there, v1 reads rows it cannot handle. ' +
    'It is also a required step when v2 stops writing a column that is about to be dropped — which is why this is a warning: make sure v1 never sees those NULLs. ' +
    'It takes a brief ACCESS EXCLUSIVE lock.',
  recipe: ['drop-column'],
  fix:
    'Expand: drop NOT NULL together with a BEFORE INSERT OR UPDATE trigger on the table that fills the column for rows v2 writes without it ' +
    '(pgtandem accepts the DROP NOT NULL when the same section creates one), or keep a DEFAULT, or check that v1 tolerates NULL. ' +
    'Contract: drop the trigger and then the column once v1 is gone. If the column simply becomes optional, drop NOT NULL in contract.',
  examples: {
    bad: [
      'ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;\n',
      'ALTER TABLE app."Users"\n  ALTER COLUMN "displayName" DROP NOT NULL,\n  ALTER COLUMN "locale" DROP NOT NULL;\n',
    ],
    good: [
      '-- pgtandem:contract\nALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;\n',
      'ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT \'\';\nALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;\n',
      'CREATE FUNCTION users_fill_nickname() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.nickname := coalesce(NEW.nickname, NEW.email);\n  RETURN NEW;\nEND;\n$$;\n' +
        'ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;\n' +
        'CREATE TRIGGER users_fill_nickname BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_fill_nickname();\n',
    ],
  },
  check(statement, context) {
    const commands = alterTableCommands(statement);
    commands.forEach((command, i) => {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_DropNotNull' || !cmd.name) return;
      const column = cmd.name;
      if (context.isNewColumn(table, column)) return;
      if (commands.slice(0, i).some((c) => c.cmd.subtype === 'AT_AddColumn' && columnDefOf(c.cmd)?.colname === column)) return;
      if (triggerFillsColumn(table, context)) return;
      context.report({
        message: `Dropping NOT NULL on ${quoteIdent(column)} of ${displayName(table)} in ${context.phase}: the old version (v1) still reads it as never NULL, and fails or misbehaves on any row written with NULL from now on.`,
        span: command.span,
      });
    });
  },
});
