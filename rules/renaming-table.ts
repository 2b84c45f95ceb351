import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { spanFromWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar, quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

const RENAMED = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
} as const;

export default defineRule({
  id: 'renaming-table',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  summary: 'Renaming an existing table (or view).',
  why:
    'The app version that still uses the old name fails with "relation does not exist" the moment the rename commits; the rename also takes an ACCESS EXCLUSIVE lock.',
  fix:
    'Expand: in one transaction, rename the table and create a view with the old name (SELECT * FROM the new name: simple views are updatable, so v1 keeps reading and writing). ' +
    'Contract: drop the view once v1 is gone.',
  examples: {
    bad: ['ALTER TABLE customers RENAME TO clients;\n', 'ALTER VIEW reporting."ActiveUsers" RENAME TO "active_users";\n'],
    good: [
      'CREATE TABLE drafts (id bigint PRIMARY KEY);\nALTER TABLE drafts RENAME TO documents;\n',
      'ALTER TABLE customers ADD COLUMN segment text;\n',
    ],
  },
  check(statement, context) {
    const rename = nodeOf(statement, 'RenameStmt');
    const relation = nameOfRangeVar(rename?.relation);
    if (!rename || !relation || !(rename.renameType && rename.renameType in RENAMED)) return;
    const kind = RENAMED[rename.renameType as keyof typeof RENAMED];
    if (context.isNew(kind === 'table' || kind === 'foreign table' ? 'table' : 'view', relation)) return;
    context.report({
      message: `Renaming ${kind} ${displayName(relation)} to ${quoteIdent(rename.newname ?? '?')} breaks every running app version that still uses the old name.`,
      span: spanFromWords(statement, ['RENAME', 'TO']),
    });
  },
});
