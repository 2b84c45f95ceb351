import { defineRule } from '../src/lint/rule.js';
import { tableLocks } from '../src/lint/lock-level.js';
import { displayName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'unknown-object',
  category: 'correctness',
  severity: 'info',
  enabledByDefault: false,
  phases: ['expand', 'migrate', 'contract', 'abort'],
  summary: 'A statement changes a table that the migrations before it never created (and the live database, when given, does not have).',
  why:
    'pgtandem replays every earlier migration into a catalog so that rules know column types, constraints, indexes and (with --database-url) table sizes. ' +
    'A table it has never seen was made some other way — by hand, by another tool, in a migration outside the linted directory — so schema-aware checks ' +
    'fall back to what the statement alone shows. Or the name is misspelled, and PostgreSQL will refuse the statement. Off by default: linting a lone file has no history.',
  fix:
    'Lint the whole migrations directory (the history is replayed), point --database-url at a database with the current schema, or, when the table really comes from elsewhere, ignore the finding.',
  examples: {
    bad: ['ALTER TABLE users ADD COLUMN nickname text;\n', 'CREATE INDEX CONCURRENTLY orders_status_idx ON shop."Orders" (status);\n'],
    good: [
      'CREATE TABLE users (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;\n',
      'CREATE TABLE tags (id bigint PRIMARY KEY, name text);\nCREATE INDEX tags_name_idx ON tags (name);\nALTER TABLE IF EXISTS legacy_tokens ADD COLUMN note text;\n',
    ],
  },
  check(statement, context) {
    // Statements that create the table, or that say it may be missing, have nothing to find.
    if (statement.kind === 'CreateStmt' || statement.kind === 'CreateTableAsStmt' || statement.kind === 'ViewStmt') return;
    if (nodeOf(statement, 'AlterTableStmt')?.missing_ok || nodeOf(statement, 'DropStmt')?.missing_ok || nodeOf(statement, 'RenameStmt')?.missing_ok) return;
    for (const { table } of tableLocks(statement, context)) {
      if (context.catalog.table(table, context.searchPath) || context.catalog.view(table, context.searchPath)) continue;
      if (context.isNew('table', table)) continue;
      context.report({ message: `${displayName(table)} is not in the schema the earlier migrations build${table.schema ? '' : ` (search_path: ${context.searchPath.join(', ')})`}: schema-aware checks see only this statement.` });
    }
  },
});
