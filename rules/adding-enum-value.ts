import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { spanFromWords } from '../src/lint/span.js';
import { displayName, nameOfList, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';
import { SourceText } from '../src/sql/source-text.js';
import { transactionFold } from '../src/lint/transaction-fold.js';

interface AddedValue {
  type: QualifiedName;
  value: string;
  statement: Statement;
}

/** `ALTER TYPE … ADD VALUE` on an enum this migration did not create. */
function addedValue(statement: Statement, context: RuleContext): AddedValue | undefined {
  const alter = nodeOf(statement, 'AlterEnumStmt');
  const type = nameOfList(alter?.typeName);
  if (!alter?.newVal || alter.oldVal || !type || context.isNew('type', type)) return undefined;
  return { type, value: alter.newVal, statement };
}

function stringLiteral(text: string): string | undefined {
  return text.length >= 2 && text.startsWith("'") && text.endsWith("'") ? text.slice(1, -1).replace(/''/g, "'") : undefined;
}

const COMPAT_PHASES = new Set(['expand', 'migrate']);

/** Every label added earlier in the transaction (to any enum), gathered once per statement. */
const labelsAdded = transactionFold<AddedValue[]>(
  () => [],
  (added, statement) => {
    const alter = nodeOf(statement, 'AlterEnumStmt');
    const type = nameOfList(alter?.typeName);
    if (alter?.newVal && !alter.oldVal && type) added.push({ type, value: alter.newVal, statement });
  },
);

export default defineRule({
  id: 'adding-enum-value',
  category: 'compat',
  severity: 'warn',
  phases: PHASES,
  summary: 'ALTER TYPE … ADD VALUE while the old version runs, inside a transaction before PostgreSQL 12, or used in the transaction that added it.',
  why:
    'Adding a label is instant, but the old version (v1) maps the enum to a fixed set of values (a Java or TypeScript enum, a Rails enum, a generated client): ' +
    'the first row v2 writes with the new label makes v1 fail when it reads it. Before PostgreSQL 12, ADD VALUE cannot run inside a transaction block at all; ' +
    'from 12 on it can, but the new label cannot be used — in an INSERT, UPDATE, default or index predicate — until that transaction commits ("unsafe use of new value").',
  fix:
    'Expand: add the value in a transaction of its own (the pgtandem runner runs it alone before PostgreSQL 12) and make sure every version still running can read it ' +
    'before any version writes it — readers before writers, which may mean a release that only learns the label. Use the label from a later transaction: the migrate section, or v2 itself.',
  examples: {
    bad: [
      "ALTER TYPE order_status ADD VALUE 'refunded';\n",
      "-- pgtandem:contract\nALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'refunded';\n",
    ],
    good: [
      "-- pgtandem:contract\nALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';\n",
      "CREATE TYPE delivery_speed AS ENUM ('slow', 'fast');\nALTER TYPE delivery_speed ADD VALUE 'express';\n",
    ],
  },
  check(statement, context) {
    const added = addedValue(statement, context);
    if (added) {
      reportAdded(added, context);
      return;
    }
    if (statement.container?.kind === 'function' || context.pgVersion < 12 || !context.transaction.inTransaction) return;
    // PostgreSQL 12+: a label added in this transaction is unusable until it commits.
    const earlier = labelsAdded(context.transactionStatements).filter((a) => !context.isNew('type', a.type));
    if (earlier.length === 0 || statement.kind === 'AlterEnumStmt') return;
    for (const token of statement.tokens) {
      const literal = token.kind === 'string' ? stringLiteral(token.text) : undefined;
      const use = literal === undefined ? undefined : earlier.find((a) => a.value === literal);
      if (!use) continue;
      const line = new SourceText(context.file.text).position(use.statement.start).line;
      context.report({
        message: `'${use.value}' was added to enum ${displayName(use.type)} earlier in this transaction (line ${line}): PostgreSQL rejects the new label until that transaction commits ("unsafe use of new enum value").`,
        span: { start: token.start, end: token.end },
      });
      return;
    }
  },
});

function reportAdded({ type, value, statement }: AddedValue, context: RuleContext): void {
  const parts: string[] = [];
  if (COMPAT_PHASES.has(context.phase)) {
    parts.push(
      `Adding value '${value}' to enum ${displayName(type)} in ${context.phase}: the old version (v1) is still running and fails on rows that carry '${value}' if it maps the enum to a fixed set of labels.`,
    );
  }
  if (context.transaction.inTransaction) {
    if (context.pgVersion < 12) {
      parts.push(`PostgreSQL ${context.pgVersion} rejects ALTER TYPE … ADD VALUE inside a transaction block, which this statement runs in: the migration fails.`);
    } else if (parts.length > 0) {
      parts.push(`Inside this transaction '${value}' cannot be used until it commits.`);
    }
  }
  if (parts.length === 0) return;
  context.report({ message: parts.join(' '), span: spanFromWords(statement, ['ADD', 'VALUE']) });
}
