import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { fixMigrations } from '../../src/fix/fix-migrations.js';
import { FIXERS } from '../../src/fix/fixers/index.js';
import { recipes } from '../../src/fix/fixers/recipes.js';
import { lint } from '../../src/lint/lint.js';
import { readMigrationSource } from '../../src/migrations/discover.js';
import type { Layout } from '../../src/migrations/migration.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Every mechanical fix, on every bad example of its rule: the fixed SQL parses, lints without
// that rule's finding (and without CONCURRENTLY left inside a transaction), and — where the
// example runs on PostgreSQL against the tables below — the fixed one runs too.
const layoutOf = (sql: string): Layout | undefined => (/^-- (\+goose Up|migrate:up)/m.test(sql) ? undefined : 'native');
const pathOf = (sql: string): string => (layoutOf(sql) ? 'examples/0001_example.sql' : 'db/20240101000000_example.sql');

/** The tables the fixable rules' examples use, as they would stand before the example runs. */
const SETUP = `
CREATE SCHEMA app; CREATE SCHEMA billing; CREATE SCHEMA "Billing";
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint NOT NULL, customer_id bigint, status text, placed_at timestamptz, total numeric, coupon_id bigint);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE order_items (order_id bigint NOT NULL, position int NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, email text, tenant_id bigint, handle text);
CREATE TABLE events (kind text);
CREATE TABLE "Billing"."Account" (id bigint PRIMARY KEY);
CREATE TABLE "Billing"."Invoice" (id bigint, "accountId" bigint);
CREATE TABLE billing."Invoices" (id bigint);
CREATE INDEX ON billing."Invoices" (id);
CREATE TABLE app."Orders" ("customerId" bigint);
`;

// The rewrites into a recipe's phases need the tables' history: lint-fix-recipes.test.ts runs them.
const cases = rules
  .filter((rule) => FIXERS.has(rule.id) && !recipes.rules.includes(rule.id))
  .flatMap((rule) => rule.examples.bad.map((sql) => [rule.id, sql] as const));

function options(ruleId: string, sql: string) {
  const rule = rules.find((r) => r.id === ruleId)!;
  return { sources: [{ path: pathOf(sql), text: sql, layout: layoutOf(sql) }], configFile: false as const, config: { rules: { [ruleId]: rule.severity } } };
}

/** Runs the forward statements of a migration one by one (autocommit, so CONCURRENTLY can run). */
async function run(database: TestDatabase, sql: string): Promise<void> {
  await database.client.query('RESET ALL');
  const file = readMigrationSource(pathOf(sql), sql, {}, layoutOf(sql));
  for (const segment of file.segments.filter((s) => s.phase !== 'abort')) {
    for (const statement of parseSegment(file.text, segment).statements) await database.client.query(file.text.slice(statement.start, statement.end));
  }
}

/** Whether the SQL runs on a database holding just SETUP (its schemas are dropped and made again first). */
async function runs(sql: string): Promise<true | string> {
  await database.client.query('DROP SCHEMA IF EXISTS public, app, billing, "Billing" CASCADE; CREATE SCHEMA public;');
  await database.client.query(SETUP);
  try {
    await run(database, sql);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('lint --fix on every fixable rule’s bad examples', () => {
  const outcomes = new Map<string, boolean>();
  let ran = 0;

  it.each(cases)('%s: %s', async (ruleId, sql) => {
    const { files } = await fixMigrations(options(ruleId, sql));
    expect(files).toHaveLength(1);
    const file = files[0]!;
    const unfixed = file.unfixed.filter((u) => u.finding.rule === ruleId);
    for (const u of unfixed) expect(u.reason.length).toBeGreaterThan(10);
    outcomes.set(`${ruleId}\0${sql}`, unfixed.length === 0);
    if (unfixed.length > 0) return;

    expect(file.after).not.toBe(sql);
    const after = await lint({ ...options(ruleId, sql), sources: [{ path: pathOf(sql), text: file.after, layout: layoutOf(sql) }] });
    const left = after.findings.filter((f) => f.rule === ruleId || f.rule === 'syntax-error' || f.rule === 'ban-concurrent-index-creation-in-transaction');
    expect(left.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);

    const original = await runs(sql);
    if (original === true) {
      expect(await runs(file.after)).toBe(true);
      ran++;
    }
  });

  it('every fixer fixes at least one bad example of each of its rules', () => {
    for (const id of new Set(cases.map(([id]) => id))) {
      const fixed = cases.filter(([rule, sql]) => rule === id && outcomes.get(`${rule}\0${sql}`) === true);
      expect(fixed.length, id).toBeGreaterThan(0);
    }
    // SETUP holds the tables the examples use, so most of them run: the check above is not vacuous.
    expect(ran).toBeGreaterThanOrEqual(15);
  });
});

describe('lint --fix keeps the file as written around its edits', () => {
  it('comments, blank lines and the statements it does not touch stay byte for byte', async () => {
    const text = '-- pgtandem:expand\n-- why: lookups by status\n\nCREATE INDEX orders_status_idx\n    ON orders (status); -- keep me\n\nALTER TABLE orders ADD COLUMN note text;\n';
    const { files } = await fixMigrations({ sources: [{ path: 'm/0001_x.sql', text, layout: 'native' }], configFile: false });
    expect(files[0]!.after).toBe(text.replace('CREATE INDEX orders_status_idx', 'CREATE INDEX CONCURRENTLY orders_status_idx'));
  });

  it('a plain file in one transaction gets no CONCURRENTLY it could not run, and says why', async () => {
    const text = 'CREATE TABLE tags (id bigint);\nCREATE INDEX orders_status_idx ON orders (status);\n';
    const config = { rules: { 'require-lock-timeout': 'off' as const, 'require-statement-timeout': 'off' as const } };
    const { files } = await fixMigrations({ sources: [{ path: 'm/0001_x.sql', text, layout: 'plain' }], configFile: false, config });
    expect(files[0]!.after).toBe(text);
    expect(files[0]!.unfixed.find((u) => u.finding.rule === 'require-concurrent-index-creation')?.reason).toMatch(/migration of its own/);
  });

  it('dbmate: transaction:false on the up marker', async () => {
    const text = '-- migrate:up\nCREATE INDEX orders_status_idx ON orders (status);\n\n-- migrate:down\nDROP INDEX orders_status_idx;\n';
    const { files } = await fixMigrations({ sources: [{ path: 'db/migrations/20240101000000_idx.sql', text, layout: 'dbmate' }], configFile: false, config: { rules: { 'require-lock-timeout': 'off', 'require-statement-timeout': 'off' } } });
    expect(files[0]!.after).toBe('-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\n\n-- migrate:down\nDROP INDEX orders_status_idx;\n');
  });
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('lint_fix');
});
afterAll(async () => {
  await database?.drop();
});
