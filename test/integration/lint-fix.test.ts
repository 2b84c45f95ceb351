import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
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
import { tempProject } from '../support/temp-dir.js';

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
    const config = { rules: { 'require-lock-timeout': 'off' as const, 'require-statement-timeout': 'off' as const, 'multiple-ddl-locks-in-transaction': 'off' as const, 'require-foreign-key-index': 'off' as const } };
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

describe('lint --fix: NOT VALID + VALIDATE in another tool’s one-transaction file', () => {
  const ORDERS = 'CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint, total numeric, customer_id bigint);\n';
  const ADD = 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);\nALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n';
  const VALIDATE = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n';
  const NOTHING = '-- VALIDATE CONSTRAINT changes no schema: nothing to undo.\n';
  const config = { rules: { 'require-lock-timeout': 'off' as const, 'require-statement-timeout': 'off' as const, 'multiple-ddl-locks-in-transaction': 'off' as const, 'require-foreign-key-index': 'off' as const } };

  // The tool's files: [history, the file fixed, the new files expected (path → text)].
  it.each([
    ['golang-migrate', { '000001_orders.up.sql': ORDERS, '000002_checks.up.sql': ADD }, '000002_checks.up.sql', { '000003_checks_validate.up.sql': VALIDATE, '000003_checks_validate.down.sql': NOTHING }],
    ['flyway', { 'V1__orders.sql': ORDERS, 'V2__checks.sql': ADD }, 'V2__checks.sql', { 'V3__checks_validate.sql': VALIDATE }],
    ['goose', { '00001_orders.sql': `-- +goose Up\n${ORDERS}`, '00002_checks.sql': `-- +goose Up\n${ADD}` }, '00002_checks.sql', { '00003_checks_validate.sql': `-- +goose Up\n${VALIDATE}\n-- +goose Down\n${NOTHING}` }],
    ['dbmate', { '0001_orders.sql': `-- migrate:up\n${ORDERS}`, '0002_checks.sql': `-- migrate:up\n${ADD}` }, '0002_checks.sql', { '0003_checks_validate.sql': `-- migrate:up\n${VALIDATE}\n-- migrate:down\n${NOTHING}` }],
  ] as const)('%s: NOT VALID in the file, VALIDATE in a new migration after it, named as the tool names them', async (_tool, files, fixedName, expected) => {
    const cwd = tempProject('pgtandem-fix-followup-', Object.fromEntries(Object.entries(files).map(([name, text]) => [`m/${name}`, text])));
    const { files: fixes } = await fixMigrations({ paths: ['m'], cwd, configFile: false, config });
    const fix = fixes.find((f) => f.path.endsWith(fixedName))!;
    expect(fix.unfixed.map((u) => `${u.finding.rule}: ${u.reason}`)).toEqual([]);
    expect(fix.after).toBe((files as Record<string, string>)[fixedName]!.replace(/\);\n/g, ') NOT VALID;\n'));
    expect(Object.fromEntries(fix.created.map((c) => [relative(join(cwd, 'm'), resolve(cwd, c.path)), c.text]))).toEqual(expected);

    // Written, the folder lints clean of both rules; run file by file, each in its own transaction, it works.
    for (const created of fix.created) writeFileSync(resolve(cwd, created.path), created.text);
    writeFileSync(resolve(cwd, fix.path), fix.after);
    const after = await lint({ paths: ['m'], cwd, configFile: false, config });
    expect(after.findings.map((f) => `${f.rule} ${f.file}`)).toEqual([]);
    await database.client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
    for (const text of [Object.values(files)[0]!, fix.after, fix.created[0]!.text]) await database.client.query(`BEGIN;\n${text}\nCOMMIT;`);
    const { rows } = await database.client.query<{ n: string }>("SELECT count(*) AS n FROM pg_constraint WHERE conrelid = 'orders'::regclass AND convalidated");
    expect(rows[0]!.n).toBe('2');
  });

  it('drizzle keeps a journal: the VALIDATE is left to a migration drizzle-kit makes, and the reason says so', async () => {
    const cwd = tempProject('pgtandem-fix-followup-', { 'drizzle/0000_orders.sql': ORDERS, 'drizzle/0001_checks.sql': ADD.replace(';\n', ';\n--> statement-breakpoint\n'), 'drizzle/meta/_journal.json': '{"entries":[]}' });
    const { files } = await fixMigrations({ paths: ['drizzle'], cwd, configFile: false, config });
    const fix = files.find((f) => f.path.endsWith('0001_checks.sql'))!;
    expect(fix.created).toEqual([]);
    expect(fix.unfixed[0]?.reason).toContain('meta/_journal.json');
  });
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('lint_fix');
});
afterAll(async () => {
  await database?.drop();
});
