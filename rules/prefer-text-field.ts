import { defineRule } from '../src/lint/rule.js';
import { columnTypes, describeColumnType } from '../src/lint/column-types.js';
import { quoteIdent } from '../src/sql/names.js';

export default defineRule({
  id: 'prefer-text-field',
  category: 'style',
  severity: 'warn',
  enabledByDefault: false,
  phases: ['expand', 'migrate', 'contract'],
  statementKinds: ['CreateStmt', 'AlterTableStmt'],
  summary: 'A varchar(n) column: a length limit built into the type.',
  why:
    'The limit of varchar(n) is part of the column type, so changing it is ALTER COLUMN … TYPE: raising it takes an ACCESS EXCLUSIVE lock (brief, no rewrite, ' +
    'but queued behind long queries it blocks all traffic), lowering it rewrites the table, and either fails while a view uses the column. ' +
    'text and varchar store the same way and are equally fast; a CHECK constraint holds the same limit and can be changed online.',
  fix:
    'Use text. If a limit is needed, put it in a constraint: in CREATE TABLE `col text CHECK (char_length(col) <= n)`; on an existing table ' +
    'ADD CONSTRAINT … CHECK (char_length(col) <= n) NOT VALID, then VALIDATE CONSTRAINT in a later transaction. To change the limit later, add the new CHECK NOT VALID, validate it, drop the old one.',
  examples: {
    bad: [
      'CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(320) NOT NULL);\n',
      'ALTER TABLE app."Users" ADD COLUMN "displayName" character varying(80), ADD COLUMN "locale" VARCHAR(10);\n',
    ],
    good: [
      'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL CHECK (char_length(email) <= 320));\n',
      'ALTER TABLE users ADD COLUMN display_name text, ADD COLUMN nickname varchar;\n' +
        'ALTER TABLE users ADD CONSTRAINT users_display_name_length CHECK (char_length(display_name) <= 80) NOT VALID;\n' +
        '-- pgtandem:contract\nALTER TABLE users VALIDATE CONSTRAINT users_display_name_length;\n',
    ],
  },
  check(statement, context) {
    for (const type of columnTypes(statement)) {
      if (type.builtin !== 'varchar' || !type.typeName.typmods?.length) continue;
      const column = quoteIdent(type.column);
      const limit = `CHECK (char_length(${column}) <= ${type.length ?? 'n'})`;
      if (type.isArray) {
        context.report({
          message: `${describeColumnType(type)}: its length limit is part of the type, and changing it is ALTER COLUMN … TYPE (ACCESS EXCLUSIVE; a rewrite when it shrinks); use text[].`,
          span: type.span,
        });
        continue;
      }
      const help =
        type.how === 'create-table'
          ? `Declare it \`${column} text ${limit}\`: the table is new, so the CHECK costs nothing now and can be replaced online later.`
          : `Use text, and hold the limit in a constraint: ADD CONSTRAINT … ${limit} NOT VALID, then VALIDATE CONSTRAINT in a later transaction (it takes only SHARE UPDATE EXCLUSIVE).`;
      const later = type.how === 'alter-type' ? 'the limit stays in the type, so the next change is another' : 'changing the length limit later is';
      context.report({
        message: `${describeColumnType(type)}: ${later} ALTER COLUMN … TYPE (ACCESS EXCLUSIVE; a rewrite when it shrinks); use text with ${limit}.`,
        span: type.span,
        help,
      });
    }
  },
});
