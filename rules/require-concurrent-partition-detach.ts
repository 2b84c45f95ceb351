import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { findWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar } from '../src/sql/names.js';

const BEFORE_14 =
  'Before PostgreSQL 14 there is no concurrent detach. The detach itself is quick (no scan), so the risk is the wait: run it alone with a short lock_timeout ' +
  '(the pgtandem runner sets one) and retry, at a quiet hour; or leave the partition attached and stop routing rows to it until you can upgrade.';

export default defineRule({
  id: 'require-concurrent-partition-detach',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ALTER TABLE … DETACH PARTITION without CONCURRENTLY.',
  why:
    'DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned parent (and on the partition): reads and writes to every partition of the table stop. ' +
    'The detach itself is quick, but queued behind a long-running query the waiting lock blocks every later query on the whole table.',
  fix:
    'PostgreSQL 14+: ALTER TABLE parent DETACH PARTITION child CONCURRENTLY takes only SHARE UPDATE EXCLUSIVE on the parent. It cannot run inside a transaction ' +
    '(the pgtandem runner runs it alone; other tools need their no-transaction switch) nor when the table has a DEFAULT partition; if it is interrupted, ' +
    'finish it with ALTER TABLE parent DETACH PARTITION child FINALIZE. ' +
    BEFORE_14,
  examples: {
    bad: [
      'ALTER TABLE measurements DETACH PARTITION measurements_2023;\n',
      '-- pgtandem:contract\nALTER TABLE metrics."Events" DETACH PARTITION metrics."Events_2023_01";\n',
    ],
    good: [
      'ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;\n',
      'CREATE TABLE staging_rows (id bigint, batch int) PARTITION BY LIST (batch);\n' +
        'CREATE TABLE staging_rows_1 PARTITION OF staging_rows FOR VALUES IN (1);\n' +
        'ALTER TABLE staging_rows DETACH PARTITION staging_rows_1;\n',
      'ALTER TABLE measurements DETACH PARTITION measurements_2023 FINALIZE;\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd } = command;
      if (cmd.subtype !== 'AT_DetachPartition') continue;
      const partitionCmd = cmd.def && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
      const partition = nameOfRangeVar(partitionCmd?.name);
      const named = partition ? ` ${displayName(partition)}` : '';
      if (partitionCmd?.concurrent) {
        if (context.pgVersion < 14) {
          context.report({
            message: `DETACH PARTITION … CONCURRENTLY needs PostgreSQL 14; on PostgreSQL ${context.pgVersion} the statement is a syntax error and the migration fails.`,
            span: findWords(statement, ['CONCURRENTLY']) ?? command.span,
            help: BEFORE_14,
          });
        }
        continue;
      }
      if (context.isNew('table', table)) continue;
      const locks = `Detaching partition${named} takes ACCESS EXCLUSIVE on ${displayName(table)}: reads and writes to every partition of it wait, and so does every query queued behind the lock.`;
      context.report({
        message:
          context.pgVersion >= 14
            ? `${locks} Use DETACH PARTITION … CONCURRENTLY (outside a transaction).`
            : `${locks} PostgreSQL ${context.pgVersion} has no concurrent detach (added in 14): run it with a short lock_timeout and retries.`,
        span: command.span,
        ...(context.pgVersion < 14 ? { help: BEFORE_14 } : {}),
      });
    }
  },
});
