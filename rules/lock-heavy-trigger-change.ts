import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'lock-heavy-trigger-change',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ALTER TABLE … DISABLE TRIGGER (a trigger, USER or ALL) on an existing table.',
  why:
    'DISABLE TRIGGER takes SHARE ROW EXCLUSIVE on the table, held until the transaction commits: every INSERT, UPDATE and DELETE waits, ' +
    'so the usual "disable, backfill, enable" block stops all writes for the whole backfill. Once committed, the trigger is off for every session, ' +
    'not only the migration’s: the running application’s writes skip it (a sync trigger stops syncing, an audit trigger stops auditing). ' +
    'DISABLE TRIGGER ALL also switches off the internal triggers that enforce foreign keys, so rows that violate them get in, and it needs superuser. ' +
    'CREATE TRIGGER, DROP TRIGGER and ENABLE TRIGGER lock only briefly (SHARE ROW EXCLUSIVE; ACCESS EXCLUSIVE for DROP) and creating a sync trigger in expand is the recipe ' +
    'for renames and type changes: with a lock_timeout — pgtandem’s runner sets one, require-lock-timeout asks other tools’ files for it — this rule leaves them alone. ' +
    'A trigger created while v1 runs fires on v1’s writes too: write it to accept rows from both versions.',
  fix:
    'To keep a trigger out of a backfill, let it skip itself for the migration’s session only: test a setting in the trigger function ' +
    "(IF current_setting('app.skip_sync', true) = 'on' THEN RETURN NEW; END IF;) and SET LOCAL app.skip_sync = 'on' in the backfill transaction; " +
    'or, as superuser, SET LOCAL session_replication_role = replica (which also skips foreign-key checks, for that session). ' +
    'To retire a trigger, DROP TRIGGER it in contract. Never switch off foreign-key triggers: add constraints NOT VALID and VALIDATE them later instead.',
  examples: {
    bad: [
      'ALTER TABLE orders DISABLE TRIGGER ALL;\n',
      '-- pgtandem:migrate\nALTER TABLE users DISABLE TRIGGER users_sync_full_name;\n' +
        'UPDATE users SET full_name = name WHERE id BETWEEN 1 AND 1000;\nALTER TABLE users ENABLE TRIGGER users_sync_full_name;\n',
      'ALTER TABLE audit."Events" DISABLE TRIGGER USER;\n',
    ],
    good: [
      'ALTER TABLE users ADD COLUMN full_name text;\n' +
        'CREATE TRIGGER users_sync_full_name BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_full_name();\n' +
        '-- pgtandem:contract\nDROP TRIGGER users_sync_full_name ON users;\n',
      "-- pgtandem:migrate\nSET LOCAL app.skip_sync = 'on';\nUPDATE users SET full_name = name WHERE id BETWEEN 1 AND 1000;\n",
      'CREATE TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\nALTER TABLE import_rows DISABLE TRIGGER ALL;\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || context.isNew('table', table)) continue;
      const held = `takes SHARE ROW EXCLUSIVE on ${displayName(table)} until the transaction commits (writes wait)`;
      let message: string;
      if (cmd.subtype === 'AT_DisableTrigAll') {
        message =
          `DISABLE TRIGGER ALL ${held} and, once committed, switches off every trigger on it for every session — including the internal triggers that enforce its foreign keys, ` +
          'so rows that break them get in. It also needs superuser.';
      } else if (cmd.subtype === 'AT_DisableTrigUser') {
        message = `DISABLE TRIGGER USER ${held} and, once committed, switches off every user-defined trigger on it for every session: the running application’s writes skip them.`;
      } else if (cmd.subtype === 'AT_DisableTrig' && cmd.name) {
        if (context.isNew('trigger', table, cmd.name)) continue;
        message = `DISABLE TRIGGER ${quoteIdent(cmd.name)} ${held} and, once committed, switches the trigger off for every session, not just this migration’s: the running application’s writes skip it.`;
      } else {
        continue;
      }
      context.report({ message, span: command.span });
    }
  },
});
