import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, constraintOf } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-exclusion-constraint',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'An EXCLUDE constraint added to an existing table.',
  why:
    'ADD CONSTRAINT … EXCLUDE builds its index and checks every row against every other while holding an ACCESS EXCLUSIVE lock: no reads or writes until it ends. ' +
    'Unlike CHECK, foreign key and UNIQUE constraints, an exclusion constraint has no online path: it cannot be added NOT VALID, and ADD … USING INDEX does not accept it.',
  fix:
    'Move the rows to a new table that has the constraint from the start. ' +
    'Expand: CREATE TABLE t_new (LIKE t INCLUDING ALL, EXCLUDE …) and a trigger on t that copies every INSERT, UPDATE and DELETE to t_new. ' +
    'Migrate: backfill t_new from t in batches (rows that violate the constraint surface here: fix them in t). ' +
    'Contract: in one short transaction with a lock_timeout, drop the trigger and swap the names (ALTER TABLE t RENAME TO t_old; ALTER TABLE t_new RENAME TO t), ' +
    'leaving a view under any old name something still reads; drop t_old a release later. ' +
    'A small table may be fine to lock briefly: measure, then silence this finding with -- pgtandem-ignore ban-exclusion-constraint: <reason>.',
  examples: {
    bad: [
      'ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);\n',
      'ALTER TABLE shifts ADD EXCLUDE USING gist (employee_id WITH =, tstzrange(starts_at, ends_at) WITH &&);\n',
    ],
    good: [
      'CREATE TABLE reservations (id bigint PRIMARY KEY, room_id bigint, during tstzrange);\n' +
        'ALTER TABLE reservations ADD CONSTRAINT reservations_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);\n',
      'CREATE TABLE rooms (id bigint PRIMARY KEY, booked tstzrange, EXCLUDE USING gist (booked WITH &&));\n',
    ],
  },
  check(statement, context) {
    // PostgreSQL refuses exclusion constraints on a foreign table.
    if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return;
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_AddConstraint' || context.isNew('table', table)) continue;
      const constraint = constraintOf(cmd.def);
      if (constraint?.contype !== 'CONSTR_EXCLUSION') continue;
      context.report({
        message:
          `Adding exclusion constraint${constraint.conname ? ` ${quoteIdent(constraint.conname)}` : ''} to ${displayName(table)} builds its index and checks every row ` +
          'under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends, and there is no NOT VALID or USING INDEX way around it.',
        span: command.span,
      });
    }
  },
});
