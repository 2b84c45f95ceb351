import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { displayName, nameOfRangeVar, quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';
import { spanFromWords } from '../src/lint/span.js';

export default defineRule({
  id: 'renaming-column',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['RenameStmt'],
  summary: 'RENAME COLUMN on an existing table.',
  why:
    'During a rolling deploy one version of the app uses the old name and the other the new one: whichever side of the rename the database is on, ' +
    'one version’s queries fail with "column does not exist". It also takes an ACCESS EXCLUSIVE lock.',
  recipe: ['rename-column'],
  fix:
    'Expand: add the new column and a trigger that keeps both in sync. Migrate: backfill the new column in batches. ' +
    'Contract (once v1 is gone): drop the trigger and the old column. Or keep the database name and rename only in the ORM mapping.',
  examples: {
    bad: ['ALTER TABLE users RENAME COLUMN name TO full_name;\n', '-- pgtandem:contract\nALTER TABLE billing."Invoice" RENAME "totalCents" TO "amountCents";\n'],
    good: [
      'ALTER TABLE users ADD COLUMN full_name text;\n',
      'CREATE TABLE teams (id bigint PRIMARY KEY, title text);\nALTER TABLE teams RENAME COLUMN title TO name;\n',
    ],
  },
  check(statement, context) {
    const rename = nodeOf(statement, 'RenameStmt');
    const table = nameOfRangeVar(rename?.relation);
    if (!rename || !table || rename.renameType !== 'OBJECT_COLUMN' || !rename.subname) return;
    if (context.isNewColumn(table, rename.subname)) return;
    context.report({
      message: `Renaming column ${quoteIdent(rename.subname)} of ${displayName(table)} to ${quoteIdent(rename.newname ?? '?')} breaks every running app version whose queries use the old name.`,
      span: spanFromWords(statement, ['RENAME', 'COLUMN?']),
    });
  },
});
