import { defineRule } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { displayName, nameOfList } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

export default defineRule({
  id: 'ban-drop-table',
  category: 'compat',
  severity: 'error',
  phases: ['expand', 'migrate', 'abort'],
  statementKinds: ['DropStmt'],
  summary: 'DROP TABLE before the contract phase.',
  why:
    'Before contract, the old version (v1) still queries the table: every such query fails once it is gone, and its data cannot be brought back by a rollback. ' +
    'DROP TABLE also takes ACCESS EXCLUSIVE on every table with a foreign key to it.',
  fix: 'Stop using the table in v2, then drop it in contract (a release later is safer: a rollback of v2 still finds it). Consider renaming it aside first and dropping it later.',
  examples: {
    bad: ['DROP TABLE legacy_sessions;\n', '-- pgtandem:migrate\nDROP TABLE IF EXISTS audit."LoginAttempts" CASCADE;\n'],
    good: [
      '-- pgtandem:contract\nDROP TABLE legacy_sessions;\n',
      'CREATE TABLE import_batch (id bigint);\n-- pgtandem:abort\nDROP TABLE import_batch;\n',
    ],
  },
  check(statement, context) {
    const drop = nodeOf(statement, 'DropStmt');
    if (!drop || drop.removeType !== 'OBJECT_TABLE') return;
    const existing = (drop.objects ?? [])
      .map((o) => ('List' in o ? nameOfList(o.List.items) : undefined))
      .filter((name): name is NonNullable<typeof name> => name !== undefined && !context.isNew('table', name));
    if (existing.length === 0) return;
    context.report({
      message: `Dropping ${existing.map(displayName).join(', ')} in ${context.phase} breaks the old version (v1), which still uses ${existing.length > 1 ? 'them' : 'it'}; drop tables in contract.`,
      span: findWords(statement, ['DROP', 'TABLE']),
    });
  },
});
