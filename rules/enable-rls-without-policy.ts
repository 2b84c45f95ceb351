import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { sameName } from '../src/lint/same-name.js';
import { laterInTransaction } from '../src/lint/section-statements.js';
import { displayName, nameOfRangeVar } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'enable-rls-without-policy',
  category: 'compat',
  severity: 'warn',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ENABLE or FORCE ROW LEVEL SECURITY on an existing table with no policy for it created in the same migration.',
  why:
    'With row level security on and no policy, PostgreSQL denies by default: every role that does not own the table and lacks BYPASSRLS — usually the application’s — ' +
    'sees no rows and cannot write any, from the moment the statement commits. FORCE extends that to the table owner. Both versions running are hit, ' +
    'and nothing fails loudly: queries just return nothing. The statement also takes an ACCESS EXCLUSIVE lock on the table (brief, but it queues behind running queries). ' +
    'A warning, because policies created by earlier migrations, or an app role that owns the table or has BYPASSRLS, make it safe — the linter sees neither.',
  fix:
    'Expand: CREATE POLICY for every role the running versions connect as — before the ENABLE, or in the same transaction — then ENABLE ROW LEVEL SECURITY; ' +
    'FORCE last, once the owner’s access is covered too. Check it with SET ROLE <app role> on a copy before deploying. If the policies already exist from an earlier migration, ' +
    'silence this with a reason.',
  examples: {
    bad: [
      'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\n',
      "CREATE POLICY documents_owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);\n" +
        '-- pgtandem:contract\nALTER TABLE "Tenant"."Invoice" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n',
    ],
    good: [
      "CREATE POLICY documents_owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);\nALTER TABLE documents ENABLE ROW LEVEL SECURITY;\n",
      "ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\nCREATE POLICY documents_owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);\n",
      'CREATE TABLE notes (id bigint PRIMARY KEY, owner_id bigint NOT NULL, body text);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n',
    ],
  },
  check(statement, context) {
    for (const command of alterTableCommands(statement)) {
      const { table, cmd } = command;
      if (cmd.subtype !== 'AT_EnableRowSecurity' && cmd.subtype !== 'AT_ForceRowSecurity') continue;
      if (context.isNew('table', table) || context.hasNewMemberOf('policy', table)) continue;
      // Policies created later in the same transaction become visible together with the ENABLE.
      const policyLater = laterInTransaction(statement, context).some((s) => {
        const on = nameOfRangeVar(nodeOf(s, 'CreatePolicyStmt')?.table);
        return on !== undefined && sameName(on, table);
      });
      if (policyLater) continue;
      const force = cmd.subtype === 'AT_ForceRowSecurity';
      const name = displayName(table);
      const who = force
        ? 'the table owner is then bound by policies too, so an app connecting as the owner'
        : 'every role that does not own the table and lacks BYPASSRLS — usually the app’s —';
      context.report({
        message:
          `${force ? 'Forcing' : 'Enabling'} row level security on ${name} with no policy for it in this migration: ${who} sees no rows and cannot write any ` +
          `once this commits (unless policies for it exist already). It also takes ACCESS EXCLUSIVE on ${name}.`,
        span: command.span,
      });
    }
  },
});
