import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { spanFromWords } from '../src/lint/span.js';
import { laterInTransaction } from '../src/lint/section-statements.js';
import { displayName, nameOfList, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

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
  statementKinds: ['RenameStmt'],
  summary: 'Renaming an existing table (or view).',
  why:
    'The app version that still uses the old name fails with "relation does not exist" the moment the rename commits; the rename also takes an ACCESS EXCLUSIVE lock.',
  recipe: ['rename-table'],
  fix:
    'Expand: in one transaction, rename the table and create a view with the old name (SELECT * FROM the new name: simple views are updatable, so v1 keeps reading and writing). ' +
    'Contract: drop the view once v1 is gone.',
  examples: {
    bad: ['ALTER TABLE customers RENAME TO clients;\n', 'ALTER VIEW reporting."ActiveUsers" RENAME TO "active_users";\n'],
    good: [
      'CREATE TABLE drafts (id bigint PRIMARY KEY);\nALTER TABLE drafts RENAME TO documents;\n',
      '-- pgtandem:expand\nALTER TABLE customers RENAME TO clients;\nCREATE VIEW customers AS SELECT * FROM clients;\n' +
        '-- pgtandem:contract\nDROP VIEW customers;\n' +
        '-- pgtandem:abort\nDROP VIEW customers;\n-- pgtandem-ignore multiple-ddl-locks-in-transaction: v1 sees one relation, renamed back in one short transaction\nALTER TABLE clients RENAME TO customers;\n',
      'ALTER TABLE customers ADD COLUMN segment text;\n',
    ],
  },
  check(statement, context) {
    const rename = nodeOf(statement, 'RenameStmt');
    const relation = nameOfRangeVar(rename?.relation);
    if (!rename || !relation || !(rename.renameType && rename.renameType in RENAMED)) return;
    const kind = RENAMED[rename.renameType as keyof typeof RENAMED];
    if (context.isNew(kind === 'table' || kind === 'foreign table' ? 'table' : 'view', relation)) return;
    if (kind === 'table' && rename.newname) {
      // The fix itself: a view with the old name created in the same transaction keeps v1 reading and writing.
      if (laterInTransaction(statement, context).some((s) => createsView(s, relation))) return;
      // Its undo (abort): the view with the original name dropped earlier in the transaction, the table renamed back to it.
      const target = { schema: relation.schema, name: rename.newname };
      if (context.transactionStatements.some((s) => dropsView(s, target))) return;
    }
    context.report({
      message: `Renaming ${kind} ${displayName(relation)} to ${quoteIdent(rename.newname ?? '?')} breaks every running app version that still uses the old name.`,
      span: spanFromWords(statement, ['RENAME', 'TO']),
    });
  },
});

function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.name === b.name && (a.schema ?? 'public') === (b.schema ?? 'public');
}

function createsView(statement: Statement, name: QualifiedName): boolean {
  const view = nameOfRangeVar(nodeOf(statement, 'ViewStmt')?.view);
  return view !== undefined && sameName(view, name);
}

function dropsView(statement: Statement, name: QualifiedName): boolean {
  const drop = nodeOf(statement, 'DropStmt');
  if (drop?.removeType !== 'OBJECT_VIEW') return false;
  return (drop.objects ?? []).some((o) => {
    const dropped = 'List' in o ? nameOfList(o.List.items) : undefined;
    return dropped !== undefined && sameName(dropped, name);
  });
}
