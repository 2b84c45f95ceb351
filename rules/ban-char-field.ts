import { defineRule } from '../src/lint/rule.js';
import { columnTypes, describeColumnType } from '../src/lint/column-types.js';
import { quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'ban-char-field',
  category: 'style',
  severity: 'warn',
  enabledByDefault: false,
  phases: ['expand', 'migrate', 'contract'],
  statementKinds: ['CreateStmt', 'AlterTableStmt'],
  summary: 'A char(n) / character(n) / bpchar column: blank-padded fixed-length text.',
  why:
    'character(n) pads every value with spaces to n characters and ignores trailing spaces in comparisons but not in LIKE, regular expressions or the client: ' +
    '\'ab\' comes back as \'ab   \', and joins or hashes against text columns surprise. It is not faster or smaller than text — the PostgreSQL manual calls it ' +
    'usually the slowest of the three string types — and its length is part of the type, so changing it is an ACCESS EXCLUSIVE ALTER COLUMN … TYPE. ' +
    '(The one-byte internal type "char", quoted, is a different type and is not flagged.)',
  fix:
    'Use text, with CHECK (char_length(col) = n) (or <= n) when the length matters: in CREATE TABLE inline; on an existing table ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a later transaction.',
  examples: {
    bad: [
      'CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);\n',
      'ALTER TABLE ledger."Entry" ADD COLUMN "currency" character(3), ADD COLUMN "flag" CHAR;\n',
    ],
    good: [
      'CREATE TABLE countries (code text PRIMARY KEY CHECK (char_length(code) = 2), name text NOT NULL);\n',
      'ALTER TABLE ledger_entries ADD COLUMN currency text;\n',
    ],
  },
  check(statement, context) {
    for (const type of columnTypes(statement)) {
      if (type.builtin !== 'bpchar') continue;
      const n = type.length;
      const check = n === undefined ? '' : ` with CHECK (char_length(${quoteIdent(type.column)}) = ${n})`;
      // char(36) is the classic home of UUIDs in text form.
      const instead = n === 36 ? `uuid if it holds UUIDs, else text${check}` : `text${check}`;
      context.report({
        message: `${describeColumnType(type)}: character(n) pads values with spaces and is no faster than text; use ${instead}.`,
        span: type.span,
      });
    }
  },
});
