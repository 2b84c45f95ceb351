import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { fixMigrations } from '../../src/fix/fix-migrations.js';
import { recipes } from '../../src/fix/fixers/recipes.js';
import { lint } from '../../src/lint/lint.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runMain } from '../support/run-main.js';
import { tempProject } from '../support/temp-dir.js';

// lint --fix rewrites a multi-phase change in a native migration into its recipe's phases. On every
// bad example of those rules, after a history that defines the tables: the fixed file lints without
// the rule's finding (and without a syntax error), and the runner applies it expand → migrate →
// contract on PostgreSQL, ending with the columns the original statement leaves.

const HISTORY = `-- pgtandem:expand
CREATE SCHEMA app;
CREATE SCHEMA billing;
CREATE SCHEMA reporting;
CREATE TABLE users (id bigint PRIMARY KEY, name text, email text, legacy_flags integer);
CREATE TABLE orders (id bigint PRIMARY KEY, quantity integer NOT NULL, status varchar(20));
CREATE INDEX orders_status_idx ON orders (status);
CREATE TABLE customers (id bigint PRIMARY KEY, name text);
CREATE TABLE app."Users" (id bigint PRIMARY KEY, "LegacyName" text);
CREATE TABLE billing."Invoice" (id bigint PRIMARY KEY, "totalCents" integer);
CREATE VIEW reporting."ActiveUsers" AS SELECT id FROM users;
INSERT INTO users VALUES (1, 'Ada', 'ada@example.com', 1), (2, NULL, 'bob@example.com', NULL);
INSERT INTO orders VALUES (1, 3, 'paid'), (2, 1, NULL);
INSERT INTO customers VALUES (1, 'Acme');
INSERT INTO billing."Invoice" VALUES (1, 1000);
`;

const cases = rules.filter((r) => recipes.rules.includes(r.id)).flatMap((rule) => rule.examples.bad.map((sql) => [rule.id, sql] as const));

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const database of databases) await database.drop();
});

/** Applies the project's migrations with the runner, phase by phase; the columns of the user schemas after contract. */
async function applied(cwd: string): Promise<string[]> {
  const database = await createTestDatabase('fix_recipe');
  databases.push(database);
  for (const phase of ['expand', 'migrate', 'contract']) {
    const run = await runMain([phase, '--dir', 'migrations'], { cwd, env: { DATABASE_URL: database.url } });
    expect(run.code, `${phase}: ${run.stderr}`).toBe(0);
  }
  return columns(database.client);
}

async function columns(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`
    SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS line
      FROM information_schema.columns
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'pgtandem') ORDER BY 1`);
  return rows.map((r) => r.line);
}

describe('lint --fix rewrites a native multi-phase change into its recipe’s phases', () => {
  const fixedRules = new Set<string>();

  it.each(cases)('%s: %s', async (ruleId, sql) => {
    const cwd = tempProject('pgtandem-fix-recipe-', { 'migrations/0001_history.sql': HISTORY, 'migrations/0002_change.sql': sql });
    const options = { paths: ['migrations'], cwd, configFile: false as const };
    const { files } = await fixMigrations(options);
    const file = files.find((f) => f.path.endsWith('0002_change.sql'))!;
    const unfixed = file.unfixed.filter((u) => u.finding.rule === ruleId);
    if (unfixed.length > 0) {
      // Only a statement no recipe fits (ALTER VIEW … RENAME) stays, and says so.
      expect(unfixed.map((u) => u.reason)).toEqual([expect.stringContaining('no recipe fits')]);
      return;
    }
    fixedRules.add(ruleId);
    expect(file.after).toContain('-- lint --fix: pgtandem new ');

    const original = tempProject('pgtandem-fix-recipe-', { 'migrations/0001_history.sql': HISTORY, 'migrations/0002_change.sql': sql });
    writeFileSync(join(cwd, 'migrations/0002_change.sql'), file.after);
    const after = await lint(options);
    const left = after.findings.filter((f) => f.file.endsWith('0002_change.sql') && (f.rule === ruleId || f.rule === 'syntax-error'));
    expect(left.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);

    expect(await applied(cwd)).toEqual(await applied(original));
    expect(readFileSync(join(cwd, 'migrations/0002_change.sql'), 'utf8')).toBe(file.after);
  });

  it('every rule it rewrites has a bad example it fixed', () => {
    expect([...fixedRules].sort()).toEqual([...recipes.rules].sort());
  });
});

describe('lint --fix keeps the rest of the file', () => {
  it('comments, the other clauses and the other statements stay; new sections go in phase order', async () => {
    const text =
      '-- pgtandem:expand\n-- tidy up users\nALTER TABLE users ADD COLUMN nickname text, DROP COLUMN legacy_flags;\nCREATE TABLE tags (id bigint);\n' +
      '-- pgtandem:abort\nDROP TABLE tags;\n';
    const cwd = tempProject('pgtandem-fix-recipe-', { 'migrations/0001_history.sql': HISTORY, 'migrations/0002_change.sql': text });
    const { files } = await fixMigrations({ paths: ['migrations'], cwd, configFile: false, config: { rules: { 'prefer-robust-stmts': 'off' } } });
    expect(files.find((f) => f.path.endsWith('0002_change.sql'))!.after).toBe(
      '-- pgtandem:expand\n-- tidy up users\nALTER TABLE users ADD COLUMN nickname text;\n' +
        '-- lint --fix: pgtandem new drop-column users legacy_flags\n' +
        '-- Nothing to change before the new release ships: legacy_flags is nullable or has a default, so inserts without it work.\n' +
        'CREATE TABLE tags (id bigint);\n' +
        '-- pgtandem:contract\nALTER TABLE users DROP COLUMN legacy_flags;\n' +
        '-- pgtandem:abort\nDROP TABLE tags;\n',
    );
  });

  it('another tool’s migration gets the recipe command, not a rewrite', async () => {
    const text = '-- migrate:up\nALTER TABLE users RENAME COLUMN name TO full_name;\n\n-- migrate:down\n';
    const cwd = tempProject('pgtandem-fix-recipe-', { 'db/migrations/20240101000000_rename.sql': text });
    const { files } = await fixMigrations({ paths: ['db/migrations'], cwd, configFile: false, config: { rules: { 'require-lock-timeout': 'off', 'require-statement-timeout': 'off' } } });
    const file = files[0]!;
    expect(file.after).toBe(text);
    expect(file.unfixed.find((u) => u.finding.rule === 'renaming-column')).toMatchObject({
      reason: expect.stringContaining('no phases for'),
      recipe: 'pgtandem new rename-column users name full_name',
    });
  });
});
