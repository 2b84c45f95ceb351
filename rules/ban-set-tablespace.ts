import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands } from '../src/lint/alter-table.js';
import { displayName, quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-set-tablespace',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableMoveAllStmt', 'AlterTableStmt'],
  summary: 'ALTER TABLE/INDEX … SET TABLESPACE or ALTER … ALL IN TABLESPACE, which copy data under ACCESS EXCLUSIVE.',
  why:
    'SET TABLESPACE copies the table’s (or index’s) files block by block into the new tablespace while holding ACCESS EXCLUSIVE: ' +
    'for a table, reads and writes stop until the copy ends; for an index, every query on its table waits (the planner and every writer open all of a table’s indexes). ' +
    'On a large table that is minutes. ALTER TABLE/INDEX ALL IN TABLESPACE does it to every object in the tablespace.',
  fix:
    'Move tables online with pg_repack --tablespace (add --moveidx for their indexes), which holds ACCESS EXCLUSIVE only for a brief swap. ' +
    'Move an index by building a copy with CREATE INDEX CONCURRENTLY … TABLESPACE new_space, then DROP INDEX CONCURRENTLY the old one and rename the copy. ' +
    'Give new tables and indexes their tablespace when you create them. Tablespace moves are operations work: schedule them outside deploys.',
  examples: {
    bad: [
      'ALTER TABLE events SET TABLESPACE archive_space;\n',
      'ALTER INDEX app."Events_created_at_idx" SET TABLESPACE fast_space;\n',
      'ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE fast_space;\n',
    ],
    good: [
      'CREATE INDEX CONCURRENTLY events_created_at_idx_fast ON events (created_at) TABLESPACE fast_space;\n',
      'CREATE TABLE event_archive (id bigint PRIMARY KEY, payload jsonb);\nALTER TABLE event_archive SET TABLESPACE archive_space;\n',
    ],
  },
  check(statement, context) {
    const moveAll = nodeOf(statement, 'AlterTableMoveAllStmt');
    if (moveAll) {
      const kind = moveAll.objtype === 'OBJECT_INDEX' ? 'index' : moveAll.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table';
      const from = moveAll.orig_tablespacename ? ` in tablespace ${quoteIdent(moveAll.orig_tablespacename)}` : '';
      context.report({
        message: `This moves every ${kind}${from}${moveAll.roles?.length ? ' owned by the listed roles' : ''}, each copied under ACCESS EXCLUSIVE, which blocks reads and writes of that table until its copy ends${moveAll.nowait ? ' (NOWAIT only fails fast when a lock is not free; the copy still blocks)' : ''}.`,
      });
      return;
    }
    const alter = nodeOf(statement, 'AlterTableStmt');
    if (!alter) return;
    for (const command of alterTableCommands(statement)) {
      const { table: target, cmd } = command;
      if (cmd.subtype !== 'AT_SetTableSpace') continue;
      const to = cmd.name ? ` to tablespace ${quoteIdent(cmd.name)}` : '';
      if (alter.objtype === 'OBJECT_INDEX') {
        const table = context.tableOfNewIndex(target);
        if (table && context.isNew('table', table)) continue;
        context.report({
          message: `Moving index ${displayName(target)}${to} copies it under ACCESS EXCLUSIVE on the index: reads and writes on its table wait until the copy ends.`,
          span: command.span,
        });
      } else if (alter.objtype === 'OBJECT_MATVIEW') {
        if (context.isNew('view', target)) continue;
        context.report({
          message: `Moving materialized view ${displayName(target)}${to} copies it under ACCESS EXCLUSIVE: reads of it wait until the copy ends.`,
          span: command.span,
        });
      } else if (alter.objtype === undefined || alter.objtype === 'OBJECT_TABLE') {
        // Foreign tables have no storage to move (PostgreSQL rejects it).
        if (context.isNew('table', target)) continue;
        context.report({
          message: `Moving table ${displayName(target)}${to} copies all of its data under ACCESS EXCLUSIVE: reads and writes wait until the copy ends.`,
          span: command.span,
        });
      }
    }
  },
});
