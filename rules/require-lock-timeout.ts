import { defineTimeoutRule } from '../src/lint/timeout-rule.js';

export default defineTimeoutRule('lock_timeout', {
  id: 'require-lock-timeout',
  severity: 'warn',
  summary: 'A file that takes a write-blocking lock on an existing table without setting lock_timeout first.',
  why:
    'A lock request waits for every conflicting lock already held — behind one long-running query or idle transaction it can wait for minutes. ' +
    'While it waits, every later query on the table queues behind it: an ALTER TABLE that would take a millisecond stops all reads and writes. ' +
    'lock_timeout makes the migration give up (and retry later) instead. pgtandem’s runner sets it for native migrations; files applied by other tools must set it themselves.',
  fix:
    "Start the file with SET lock_timeout = '2s'; (or SET LOCAL inside the migration's transaction) and let the deploy retry on failure. " +
    'Behind PgBouncer in transaction mode, use SET LOCAL, or set it on the migration role (ALTER ROLE migrator SET lock_timeout = …).',
  examples: {
    bad: [
      '-- +goose Up\nALTER TABLE users ADD COLUMN nickname text;\n',
      "-- +goose Up\nSET lock_timeout = 0;\nCREATE INDEX users_email_idx ON users (email);\n",
    ],
    good: [
      "-- +goose Up\nSET lock_timeout = '2s';\nSET statement_timeout = '30s';\nALTER TABLE users ADD COLUMN nickname text;\n",
      '-- +goose Up\nCREATE TABLE sessions (id bigint PRIMARY KEY);\nCREATE INDEX sessions_id_idx ON sessions (id);\n',
    ],
  },
});
