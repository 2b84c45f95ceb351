import { defineRule } from '../src/lint/rule.js';
import { sameName } from '../src/lint/same-name.js';
import { sectionStatements } from '../src/lint/section-statements.js';
import { spanFromWords } from '../src/lint/span.js';
import { displayName, nameOfList, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

function renamesValue(statement: Statement, type: QualifiedName, from: string, to: string): boolean {
  const alter = nodeOf(statement, 'AlterEnumStmt');
  const name = nameOfList(alter?.typeName);
  return name !== undefined && sameName(name, type) && alter?.oldVal === from && alter.newVal === to;
}

export default defineRule({
  id: 'renaming-enum-value',
  category: 'compat',
  severity: 'error',
  phases: ['expand', 'migrate', 'abort'],
  statementKinds: ['AlterEnumStmt'],
  summary: 'ALTER TYPE … RENAME VALUE before the contract phase.',
  why:
    'The old version (v1) still writes and compares the old label: once it is renamed, v1’s INSERTs and WHERE clauses with it fail with ' +
    '"invalid input value for enum", and the rows it reads carry a label it does not know. Enum values cannot be dropped, so there is no quick way back.',
  fix:
    'Expand: ADD VALUE with the new label (in a transaction of its own) and ship code that reads both labels and writes the new one. ' +
    'Migrate: UPDATE the rows from the old label to the new one in batches. Contract: once v1 is gone, the old label is unused (or rename it then, ' +
    'if the code in v2 accepts both).',
  examples: {
    bad: [
      "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';\n",
      "-- pgtandem:migrate\nALTER TYPE billing.\"InvoiceState\" RENAME VALUE 'Void' TO 'Voided';\n",
    ],
    good: [
      "-- pgtandem:contract\nALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';\n",
      "CREATE TYPE delivery_speed AS ENUM ('slow', 'fast');\nALTER TYPE delivery_speed RENAME VALUE 'fast' TO 'express';\n",
    ],
  },
  check(statement, context) {
    const alter = nodeOf(statement, 'AlterEnumStmt');
    const type = nameOfList(alter?.typeName);
    if (!alter?.oldVal || !alter.newVal || !type || context.isNew('type', type)) return;
    // Abort renaming back what expand renamed restores v1's label (expand's rename is what gets flagged).
    if (context.phase === 'abort' && sectionStatements(context.file, 'expand').some((s) => renamesValue(s, type, alter.newVal!, alter.oldVal!))) return;
    context.report({
      message: `Renaming value '${alter.oldVal}' of enum ${displayName(type)} to '${alter.newVal}' in ${context.phase} breaks the old version (v1), which still reads and writes '${alter.oldVal}'.`,
      span: spanFromWords(statement, ['RENAME', 'VALUE']),
    });
  },
});
