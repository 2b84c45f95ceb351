import { defineRule } from '../src/lint/rule.js';
import { columnTypes, describeColumnType } from '../src/lint/column-types.js';

export default defineRule({
  id: 'prefer-jsonb',
  category: 'compat',
  severity: 'warn',
  phases: ['expand', 'migrate', 'contract'],
  statementKinds: ['CreateStmt', 'AlterTableStmt'],
  summary: 'A json column where jsonb is meant.',
  why:
    'json has no equality operator: once a table has a json column, SELECT DISTINCT over its rows, UNION, GROUP BY or a comparison of whole rows fails with ' +
    '"could not identify an equality operator for type json" — in the running version too, the moment the column is added, when it selects * or a row value. ' +
    'json also stores the text as written and reparses it on every access, cannot be indexed with GIN, and changing the column to jsonb later rewrites the table under an ACCESS EXCLUSIVE lock. ' +
    'A warning: json is right when the exact text (key order, duplicate keys, whitespace) must be kept.',
  fix: 'Use jsonb. If the exact text must be kept, say so with a -- pgtandem-ignore prefer-jsonb: <reason>.',
  examples: {
    bad: [
      'ALTER TABLE events ADD COLUMN payload json;\n',
      "CREATE TABLE webhooks (id bigint PRIMARY KEY, headers json NOT NULL DEFAULT '{}', bodies json[]);\n",
    ],
    good: ['ALTER TABLE events ADD COLUMN payload jsonb;\n', "CREATE TABLE webhooks (id bigint PRIMARY KEY, headers jsonb NOT NULL DEFAULT '{}');\n"],
  },
  check(statement, context) {
    for (const type of columnTypes(statement)) {
      if (type.builtin !== 'json') continue;
      const running =
        type.how === 'create-table'
          ? 'queries of the new table that use DISTINCT, UNION or GROUP BY over its rows fail'
          : 'the running version’s queries of this table that use SELECT DISTINCT *, UNION or whole-row comparisons start failing';
      context.report({
        message: `${describeColumnType(type)}: json has no equality operator, so ${running} ("could not identify an equality operator for type json"); use jsonb.`,
        span: type.span,
      });
    }
  },
});
