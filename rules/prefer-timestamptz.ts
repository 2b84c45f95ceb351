import { defineRule } from '../src/lint/rule.js';
import { columnTypes, describeColumnType } from '../src/lint/column-types.js';

export default defineRule({
  id: 'prefer-timestamptz',
  category: 'style',
  severity: 'warn',
  enabledByDefault: false,
  phases: ['expand', 'migrate', 'contract'],
  statementKinds: ['CreateStmt', 'AlterTableStmt'],
  summary: 'A timestamp (without time zone) column.',
  why:
    'timestamp stores a wall-clock reading with no time zone: the same value means different instants to sessions, servers and app instances with different ' +
    'TimeZone settings, comparisons with now() shift with the session’s zone, and daylight-saving changes make values ambiguous or missing. ' +
    'timestamptz stores an instant (in UTC) and takes the same 8 bytes. Converting later rewrites the table under ACCESS EXCLUSIVE unless the session TimeZone is UTC (PostgreSQL 12+).',
  fix:
    'Use timestamptz (timestamp with time zone) for new columns. To convert an existing column, run ALTER COLUMN … TYPE timestamptz with SET TimeZone = \'UTC\' ' +
    'on PostgreSQL 12+ if the stored values are UTC (no rewrite, brief ACCESS EXCLUSIVE); otherwise add a timestamptz column, backfill in migrate, switch readers, drop the old one in contract.',
  examples: {
    bad: [
      'CREATE TABLE events (id bigint PRIMARY KEY, occurred_at timestamp NOT NULL);\n',
      'ALTER TABLE audit."Log" ADD COLUMN "seenAt" timestamp(3) without time zone, ADD COLUMN "sentAt" TIMESTAMP;\n',
    ],
    good: [
      'CREATE TABLE events (id bigint PRIMARY KEY, occurred_at timestamptz NOT NULL);\n',
      'ALTER TABLE audit_log ADD COLUMN seen_at timestamp with time zone;\n',
    ],
  },
  check(statement, context) {
    for (const type of columnTypes(statement)) {
      if (type.builtin !== 'timestamp') continue;
      context.report({
        message: `${describeColumnType(type)}: it stores wall-clock time without a zone, read differently by sessions with another TimeZone; use timestamptz.`,
        span: type.span,
      });
    }
  },
});
