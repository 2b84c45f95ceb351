import { defineTimeoutRule } from '../src/lint/timeout-rule.js';

export default defineTimeoutRule('statement_timeout', {
  id: 'require-statement-timeout',
  severity: 'warn',
  summary: 'A file that takes a write-blocking lock on an existing table without setting statement_timeout first.',
  why:
    'Without statement_timeout, a statement that turns out slower than expected on production data (a scan, a rewrite, a validation) holds its lock for as long as it runs, ' +
    'blocking the application the whole time. A timeout turns an outage into a failed, retryable migration. pgtandem’s runner sets it for native migrations.',
  fix:
    "Start the file with SET statement_timeout = '30s'; (sized for the slowest statement you accept under lock), alongside lock_timeout. " +
    'Long operations that hold no traffic-blocking lock (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT) can set a larger value just before they run. ' +
    'On PostgreSQL 17 and later, transaction_timeout bounds the whole transaction and so every statement in it: it counts too (lock_timeout is still needed, to keep the wait for the lock short).',
  examples: {
    pgVersion: '17',
    bad: [
      "-- +goose Up\nSET lock_timeout = '2s';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n",
      "-- +goose Up\nSET lock_timeout = '2s';\nSET statement_timeout = 0;\nALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_legacy_check;\n",
    ],
    good: [
      "-- +goose Up\nSET lock_timeout = '2s';\nSET statement_timeout = '30s';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n",
      '-- pgtandem:expand\nALTER TABLE orders ADD COLUMN note text;\n',
      "-- +goose Up\nSET lock_timeout = '2s';\nSET transaction_timeout = '1min';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n",
    ],
  },
});
