import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { displayName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-set-logged',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ALTER TABLE … SET LOGGED or SET UNLOGGED on an existing table.',
  why:
    'Both rewrite the whole table and its indexes under ACCESS EXCLUSIVE: reads and writes stop until the rewrite ends. SET LOGGED also writes the entire table to the WAL, ' +
    'a burst that can lag replicas. An UNLOGGED table is emptied after a crash, is not replicated to standbys (after a failover it is empty there) and is left out of logical replication.',
  fix:
    'Decide a table’s persistence when you create it. To change an existing table online: expand — create the new table with the wanted persistence and a trigger ' +
    'that copies every write of the old one; migrate — copy the existing rows in key-range batches; contract — in one short transaction with a lock_timeout, ' +
    'drop the trigger and swap the tables with RENAME. Do not make a table UNLOGGED unless losing its contents on a crash is acceptable.',
  examples: {
    bad: ['ALTER TABLE page_views SET UNLOGGED;\n', '-- pgtandem:contract\nALTER TABLE analytics."PageViews" SET LOGGED;\n'],
    good: [
      'CREATE UNLOGGED TABLE page_view_buffer (id bigint PRIMARY KEY, path text);\n',
      'CREATE UNLOGGED TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\nALTER TABLE import_rows SET LOGGED;\n',
    ],
  },
  check(statement, context) {
    // Tables only: sequences (PG 15+) are tiny, and foreign tables have no storage.
    const objtype = nodeOf(statement, 'AlterTableStmt')?.objtype;
    if (objtype !== undefined && objtype !== 'OBJECT_TABLE') return;
    for (const command of alterTableCommands(statement)) {
      const { table, cmd } = command;
      if ((cmd.subtype !== 'AT_SetLogged' && cmd.subtype !== 'AT_SetUnLogged')) continue;
      if (context.isNew('table', table)) continue;
      const rewrite = `rewrites ${displayName(table)} and its indexes under ACCESS EXCLUSIVE: reads and writes wait until the rewrite ends`;
      context.report({
        message:
          cmd.subtype === 'AT_SetLogged'
            ? `SET LOGGED ${rewrite}, and the whole table goes through the WAL at once.`
            : `SET UNLOGGED ${rewrite}; afterwards the table is emptied on a crash and no longer reaches standbys or logical replicas.`,
        span: command.span,
      });
    }
  },
});
