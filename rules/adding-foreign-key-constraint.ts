import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf, isNotValid, nonNullDefault } from '../src/lint/alter-table.js';
import { displayName, nameOfRangeVar } from '../src/sql/names.js';

export default defineRule({
  id: 'adding-foreign-key-constraint',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'A foreign key added to an existing table without NOT VALID.',
  why:
    'Adding a validated foreign key scans the whole table to check every row while holding SHARE ROW EXCLUSIVE on both the table and the referenced table: ' +
    'writes to both wait for the whole scan.',
  recipe: ['add-foreign-key'],
  fix:
    'Expand: ADD CONSTRAINT … FOREIGN KEY … NOT VALID (instant; new and updated rows are checked from then on). ' +
    'Then VALIDATE CONSTRAINT in a later transaction — migrate or contract — which takes only SHARE UPDATE EXCLUSIVE and lets writes continue. Index the referencing column too.',
  examples: {
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n',
      'ALTER TABLE "Billing"."Invoice"\n  ADD COLUMN "note" text,\n  ADD FOREIGN KEY ("accountId") REFERENCES "Billing"."Account" ("id") ON DELETE CASCADE;\n',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n' +
        '-- pgtandem:contract\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n',
      'CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);\nALTER TABLE refunds ADD FOREIGN KEY (order_id) REFERENCES orders (id);\nCREATE INDEX refunds_order_id_idx ON refunds (order_id);\n',
      'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || context.isNew('table', table)) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(cmd.def);
        if (constraint?.contype !== 'CONSTR_FOREIGN' || isNotValid(constraint)) continue;
        const parent = nameOfRangeVar(constraint.pktable);
        context.report({
          message: `Adding foreign key${constraint.conname ? ` ${constraint.conname}` : ''} validates every row of ${displayName(table)} under SHARE ROW EXCLUSIVE locks that block writes (not reads) to it${parent ? ` and to ${displayName(parent)}` : ''} until the scan ends; add it NOT VALID and VALIDATE later.`,
          span: command.span,
        });
      } else if (cmd.subtype === 'AT_AddColumn') {
        // A new column without a default is all NULL: the check is instant. With a default every row is checked.
        const column = columnDefOf(cmd);
        const reference = column && columnConstraints(column).find((c) => c.contype === 'CONSTR_FOREIGN');
        if (!column || !reference || !nonNullDefault(column)) continue;
        const parent = nameOfRangeVar(reference.pktable);
        context.report({
          message: `Adding column ${column.colname ?? ''} with a default and a REFERENCES clause checks every row of ${displayName(table)} under ACCESS EXCLUSIVE, blocking reads and writes of it (and writes to ${parent ? displayName(parent) : 'the referenced table'}) until the check ends.`,
          span: command.span,
        });
      }
    }
  },
});
