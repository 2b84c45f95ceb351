import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf, isNotValid, type AlterTableCommand } from '../src/lint/alter-table.js';
import { displayName, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import type { Statement } from '../src/sql/statement.js';
import { sameName } from '../src/lint/same-name.js';

export default defineRule({
  id: 'constraint-missing-not-valid',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'A CHECK constraint added to an existing table without NOT VALID, or validated in the same transaction that added it.',
  why:
    'ADD CONSTRAINT … CHECK scans every row under an ACCESS EXCLUSIVE lock: no reads or writes until the scan ends. ' +
    'NOT VALID makes the ADD instant, but a VALIDATE in the same transaction still runs while that lock is held, which gains nothing.',
  recipe: ['add-check', 'add-foreign-key'],
  fix:
    'Expand: ADD CONSTRAINT … CHECK (…) NOT VALID (instant; new rows are checked). ' +
    'Then VALIDATE CONSTRAINT in a later transaction — the migrate or contract phase, or a migration of its own — where it takes only SHARE UPDATE EXCLUSIVE and traffic continues.',
  examples: {
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);\n',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n',
      'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n' +
        'ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n-- pgtandem:migrate\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n',
      'CREATE TABLE refunds (id bigint PRIMARY KEY, amount numeric);\nALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0);\n',
    ],
  },
  check(statement, context) {
    const commands = alterTableCommands(statement);
    for (const command of commands) {
      const { table, cmd, onTable } = command;
      if (!onTable) continue;
      if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
        if (addedNotValidEarlier(table, cmd.name, context.transactionStatements, statement, commands.indexOf(command))) {
          context.report({
            message: `VALIDATE CONSTRAINT ${quoteIdent(cmd.name)} runs in the same transaction that added it NOT VALID: the ADD's lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) stays held for the whole validation scan of ${displayName(table)}, blocking its writes (and, for a CHECK, its reads) instead of the SHARE UPDATE EXCLUSIVE a VALIDATE in its own transaction takes.`,
            span: command.span,
          });
        }
        continue;
      }
      if (context.isNew('table', table)) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(cmd.def);
        if (constraint?.contype !== 'CONSTR_CHECK' || isNotValid(constraint)) continue;
        context.report({
          message: `Adding CHECK constraint${constraint.conname ? ` ${quoteIdent(constraint.conname)}` : ''} scans all of ${displayName(table)} under an ACCESS EXCLUSIVE lock, blocking its reads and writes; add it NOT VALID and VALIDATE it later.`,
          span: command.span,
        });
      } else if (cmd.subtype === 'AT_AddColumn') {
        const column = columnDefOf(cmd);
        if (!column || !columnConstraints(column).some((c) => c.contype === 'CONSTR_CHECK')) continue;
        context.report({
          message: `Adding column ${quoteIdent(column.colname ?? '?')} with an inline CHECK scans all of ${displayName(table)} under an ACCESS EXCLUSIVE lock, blocking its reads and writes; add the column bare, then the CHECK as NOT VALID.`,
          span: command.span,
        });
      }
    }
  },
});

/** Whether `ADD CONSTRAINT name … NOT VALID` on `table` came earlier in this transaction (or earlier in this statement). */
function addedNotValidEarlier(table: QualifiedName, name: string, earlier: readonly Statement[], current: Statement, before: number): boolean {
  const addsIt = (command: AlterTableCommand): boolean => {
    const constraint = command.cmd.subtype === 'AT_AddConstraint' ? constraintOf(command.cmd.def) : undefined;
    return constraint?.conname === name && isNotValid(constraint) && sameName(command.table, table);
  };
  if (alterTableCommands(current).slice(0, before).some(addsIt)) return true;
  return earlier.some((statement) => alterTableCommands(statement).some(addsIt));
}

