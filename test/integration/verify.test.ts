import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it, inject } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { migrationsDir, runCli } from '../support/runner-cli.js';

// `pgtandem verify` end to end (the built CLI) with --shadow-url on the test
// server: each case is a history, a change, the v1/v2 queries, and the
// findings expected (rule, phase, file:line).

const HISTORY = `CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, age int);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, amount int);
INSERT INTO users VALUES (1, 'ada', 36);
INSERT INTO orders VALUES (1, 1, 10);
`;

interface Case {
  name: string;
  change: string;
  v1?: string;
  v2?: string;
  /** `rule phase file:line`, errors and warnings at or above `severity`. */
  errors: string[];
  exitCode: number;
}

const V1 = `SELECT id, name FROM users WHERE id = $1;
INSERT INTO users (id, name) VALUES ($1, $2);
SELECT sum(amount) FROM orders WHERE user_id = $1;
`;

const cases: Case[] = [
  {
    name: 'a safe expand / migrate / contract',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text;
CREATE INDEX CONCURRENTLY users_full_name_idx ON users (full_name);
-- pgtandem:migrate
UPDATE users SET full_name = name WHERE full_name IS NULL;
-- pgtandem:contract
ALTER TABLE users DROP COLUMN age;
-- pgtandem:abort
ALTER TABLE users DROP COLUMN full_name;
`,
    v1: V1,
    v2: `SELECT id, full_name FROM users WHERE id = $1;\nINSERT INTO users (id, name, full_name) VALUES ($1, $2, $3);\n`,
    errors: [],
    exitCode: 0,
  },
  {
    name: 'a column type change rewrites the table',
    change: `ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n`,
    errors: ['traced-table-rewrite expand 0002_change.sql:1'],
    exitCode: 1,
  },
  {
    name: 'a CHECK added without NOT VALID scans the table under ACCESS EXCLUSIVE',
    change: `ALTER TABLE users ADD CONSTRAINT users_age_positive CHECK (age > 0);\n`,
    errors: ['traced-access-exclusive expand 0002_change.sql:1'],
    exitCode: 1,
  },
  {
    name: 'a rename breaks v1 right after expand',
    change: `-- pgtandem:expand\nALTER TABLE users RENAME COLUMN name TO full_name;\n`,
    v1: V1,
    errors: ['v1-query-broken expand v1.sql:1', 'v1-query-broken expand v1.sql:2', 'v1-query-broken migrate v1.sql:1', 'v1-query-broken migrate v1.sql:2'],
    exitCode: 1,
  },
  {
    name: 'a NOT NULL column without default that v1 does not insert',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN email DROP DEFAULT;
`,
    v1: V1 + 'INSERT INTO users VALUES ($1, $2, $3);\nINSERT INTO users VALUES ($1, $2, $3, $4);\n',
    errors: ['v1-query-broken expand v1.sql:2', 'v1-query-broken migrate v1.sql:2', 'v1-query-broken expand v1.sql:4', 'v1-query-broken migrate v1.sql:4'],
    exitCode: 1,
  },
  {
    name: 'a NOT NULL column a BEFORE INSERT trigger fills keeps v1 inserting',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN full_name DROP DEFAULT;
CREATE FUNCTION users_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.full_name := coalesce(NEW.full_name, NEW.name); RETURN NEW; END $$;
CREATE TRIGGER users_sync BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();
`,
    v1: V1,
    errors: [],
    exitCode: 0,
  },
  {
    name: 'a BEFORE INSERT trigger that sets another column does not excuse the missing one',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN full_name DROP DEFAULT;
CREATE FUNCTION users_age() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.age := 1; RETURN NEW; END $$;
CREATE TRIGGER users_age BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_age();
`,
    v1: V1,
    errors: ['v1-query-broken expand v1.sql:2', 'v1-query-broken migrate v1.sql:2'],
    exitCode: 1,
  },
  {
    name: 'SET NOT NULL scans the table under ACCESS EXCLUSIVE',
    change: `ALTER TABLE users ALTER COLUMN age SET NOT NULL;\n`,
    errors: ['traced-access-exclusive expand 0002_change.sql:1'],
    exitCode: 1,
  },
  {
    name: 'a statement that fails stops the run there',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email text NOT NULL;
-- pgtandem:contract
ALTER TABLE orders ALTER COLUMN amount TYPE bigint;
`,
    errors: ['verify-statement-failed expand 0002_change.sql:2'],
    exitCode: 1,
  },
  {
    name: 'a column dropped in contract that v2 still reads',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text;
-- pgtandem:contract
ALTER TABLE users DROP COLUMN name;
`,
    v1: V1,
    v2: `SELECT id, full_name FROM users;\nSELECT name FROM users WHERE id = $1;\n`,
    errors: ['v2-query-broken contract v2.sql:2'],
    exitCode: 1,
  },
  {
    name: 'an abort that drops what v1 uses',
    change: `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text;
-- pgtandem:abort
ALTER TABLE users DROP COLUMN full_name;
ALTER TABLE users DROP COLUMN name;
`,
    v1: V1,
    errors: ['v1-query-broken abort v1.sql:1', 'v1-query-broken abort v1.sql:2'],
    exitCode: 1,
  },
];

const serverUrl = inject('databaseUrl');

/** The pgtandem_verify_* databases on the server now (another process's runs may come and go: compare with {@link leftSince}). */
async function verifyDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'pgtandem_verify_%'`)).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** Databases that exist now and did not before: what a run left behind. */
async function leftSince(before: readonly string[]): Promise<string[]> {
  return (await verifyDatabases()).filter((name) => !before.includes(name));
}

function setUp(c: Pick<Case, 'change' | 'v1' | 'v2'>): { dir: string; args: string[] } {
  const dir = migrationsDir({ '0001_history.sql': HISTORY, '0002_change.sql': c.change });
  const args = ['verify', '.', '--shadow-url', serverUrl, '--format', 'json'];
  if (c.v1) {
    writeFileSync(join(dir, 'v1.sql.txt'), c.v1);
    args.push('--queries-v1', 'v1.sql.txt');
  }
  if (c.v2) {
    writeFileSync(join(dir, 'v2.sql.txt'), c.v2);
    args.push('--queries-v2', 'v2.sql.txt');
  }
  return { dir, args };
}

describe('pgtandem verify', () => {
  it.each(cases)('$name', async (c) => {
    const { dir, args } = setUp(c);
    const before = await verifyDatabases();
    const run = await runCli(args, { cwd: dir });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    const errors = report.findings
      .filter((f) => f.severity === 'error')
      .map((f) => `${f.rule} ${f.phase} ${f.file.replace('.sql.txt', '.sql')}:${f.line}`)
      .sort();
    expect(errors).toEqual([...c.errors].sort());
    expect(run.code).toBe(c.exitCode);
    // Nothing left behind on the shadow server, and no password in any output.
    expect(await leftSince(before)).toEqual([]);
    const password = new URL(serverUrl).password;
    if (password) expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('warns when a v1 SELECT * prepared before the change changes its result type', async () => {
    const { dir, args } = setUp({ change: 'ALTER TABLE users ADD COLUMN note text;\n', v1: 'SELECT * FROM users WHERE id = $1;\nSELECT id FROM users;\n' });
    const run = await runCli(args, { cwd: dir });
    const report = JSON.parse(run.stdout) as JsonReport;
    const changed = report.findings.filter((f) => f.rule === 'v1-query-result-changed');
    expect(changed.map((f) => `${f.phase} ${f.line} ${f.severity}`)).toEqual(['expand 1 warn']);
    expect(changed[0]!.message).toContain('cached plan must not change result type');
    expect(run.code).toBe(0);
  });

  it.each([
    ['json', JSON.stringify([{ queryid: '42', query: 'SELECT id, name FROM users WHERE id = $1', calls: 3 }, { queryid: '43', query: 'SELECT 1' }], null, 2)],
    ['csv', 'queryid,query,calls\n43,SELECT 1,1\n42,"SELECT id, name\n  FROM users WHERE id = $1",3\n'],
  ])('reads a pg_stat_statements export (%s) and names the queryid', async (extension, text) => {
    const dir = migrationsDir({ '0001_history.sql': HISTORY, '0002_change.sql': 'ALTER TABLE users RENAME COLUMN name TO full_name;\n' });
    writeFileSync(join(dir, `v1.${extension}`), text);
    const run = await runCli(['verify', '.', '--shadow-url', serverUrl, '--format', 'json', '--queries-v1', `v1.${extension}`], { cwd: dir });
    const report = JSON.parse(run.stdout) as JsonReport;
    const broken = report.findings.filter((f) => f.rule === 'v1-query-broken');
    expect(broken.map((f) => `${f.file}:${f.line} ${f.phase}`)).toEqual([`v1.${extension}:${extension === 'json' ? 4 : 3} expand`, `v1.${extension}:${extension === 'json' ? 4 : 3} migrate`]);
    expect(broken[0]!.message).toContain('queryid 42');
    expect(run.code).toBe(1);
  });

  it('traces each query of a TypeScript migration at its export line', async () => {
    const dir = migrationsDir({
      '0001_history.sql': HISTORY,
      '0002_change.ts': [
        "import { sql, type Kysely } from 'kysely';",
        '',
        'export async function expand(db: Kysely<any>) {',
        "  await db.schema.alterTable('users').addColumn('email', 'text').execute();",
        '  await sql`ALTER TABLE orders ALTER COLUMN amount TYPE bigint`.execute(db);',
        '}',
        '',
      ].join('\n'),
    });
    const run = await runCli(['verify', '.', '--shadow-url', serverUrl, '--format', 'json'], { cwd: dir });
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.findings.map((f) => `${f.rule} ${f.severity} ${f.line}`)).toEqual(['traced-access-exclusive info 3', 'traced-table-rewrite error 3']);
    expect(report.findings[1]!.message).toContain('[query: ALTER TABLE orders ALTER COLUMN amount TYPE bigint]');
    expect(run.code).toBe(1);
  });

  it('names the query, the phase and Postgres’ error', async () => {
    const { dir, args } = setUp(cases.find((c) => c.name.startsWith('a rename'))!);
    const report = JSON.parse((await runCli(args, { cwd: dir })).stdout) as JsonReport;
    const finding = report.findings.find((f) => f.rule === 'v1-query-broken' && f.phase === 'expand' && f.line === 1)!;
    expect(finding.file).toBe('v1.sql.txt');
    expect(finding.message).toContain('column "name" does not exist');
  });

  it('pretty output has the per-statement table', async () => {
    const { dir, args } = setUp(cases.find((c) => c.name.startsWith('a column type'))!);
    const run = await runCli([...args.slice(0, -2), '--format', 'pretty'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/expand\s+0002_change\.sql:1 ALTER TABLE orders ALTER COLUMN amount TYPE big…\s+ACCESS EXCLUSIVE on orders\s+reads and writes\s+orders/);
    expect(run.stdout).toContain('traced-table-rewrite');
  });

  it.each(['sarif', 'github', 'markdown'])('the %s reporter works', async (format) => {
    const { dir, args } = setUp(cases.find((c) => c.name.startsWith('a column type'))!);
    const run = await runCli([...args.slice(0, -2), '--format', format], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('traced-table-rewrite');
    if (format === 'sarif') expect(JSON.parse(run.stdout).runs[0].results[0].ruleId).toBe('traced-table-rewrite');
  });

  it('--change picks the change; later migrations are refused', async () => {
    const dir = migrationsDir({
      '0001_history.sql': HISTORY,
      '0002_rewrite.sql': 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n',
      '0003_safe.sql': 'ALTER TABLE users ADD COLUMN note text;\n',
    });
    const last = await runCli(['verify', '.', '--shadow-url', serverUrl, '--format', 'json'], { cwd: dir });
    expect(last.code).toBe(0);
    const both = await runCli(['verify', '.', '--shadow-url', serverUrl, '--format', 'json', '--change', '2', '3'], { cwd: dir });
    expect(both.code).toBe(1);
    expect((JSON.parse(both.stdout) as JsonReport).findings.map((f) => f.rule)).toContain('traced-table-rewrite');
    const middle = await runCli(['verify', '.', '--shadow-url', serverUrl, '--change', '0002'], { cwd: dir });
    expect(middle.code).toBe(2);
    expect(middle.stderr).toContain('the change must be the newest migrations');
  });

  it('--since takes the migrations added since a git ref', async () => {
    const dir = migrationsDir({ '0001_history.sql': HISTORY, '0002_rewrite.sql': 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n' });
    const git = (...a: string[]): void => void execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: dir, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-q', '-m', 'history');
    writeFileSync(join(dir, '0003_safe.sql'), 'ALTER TABLE users ADD COLUMN note text;\n');
    const run = await runCli(['verify', '.', '--shadow-url', serverUrl, '--format', 'json', '--since', 'main'], { cwd: dir, env: { HOME: dir } });
    expect(run.stderr).toBe('');
    // 0002 is history now (applied, not traced): no rewrite finding.
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.files.map((f) => f.path)).toEqual(['0003_safe.sql']);
    expect(report.findings.map((f) => f.rule)).toEqual(['traced-access-exclusive']);
    expect(run.code).toBe(0);
  });

  it('without --shadow-url starts an embedded PostgreSQL and removes it', async () => {
    const leftovers = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('pgtandem-embedded-'));
    const before = leftovers();
    const dir = migrationsDir({ '0001_history.sql': HISTORY, '0002_change.sql': 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n' });
    const run = await runCli(['verify', '.', '--format', 'json'], { cwd: dir });
    expect((JSON.parse(run.stdout) as JsonReport).findings.map((f) => f.rule)).toEqual(['traced-table-rewrite']);
    expect(run.code).toBe(1);
    expect(leftovers()).toEqual(before);
  });

  it('a connection failure is a usage-class error without the password', async () => {
    const dir = migrationsDir({ '0001_history.sql': HISTORY });
    const run = await runCli(['verify', '.', '--shadow-url', 'postgres://u:s3cretpw@127.0.0.1:1/x'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toContain('s3cretpw');
  });
});

// --seed: the history's tables hold rows before the change (seed.ts; its own cases in verify-seed.test.ts).
describe('pgtandem verify --seed', () => {
  const HISTORY_CLI = `CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL, age int);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, amount int);
`;
  const verify = async (change: string, extra: string[]) => {
    const dir = migrationsDir({ '0001_history.sql': HISTORY_CLI, '0002_change.sql': change });
    return runCli(['verify', '.', '--shadow-url', serverUrl, ...extra], { cwd: dir });
  };
  const errors = (stdout: string): string[] => (JSON.parse(stdout) as JsonReport).findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.phase} ${f.line}`);

  it.each([
    { name: 'SET NOT NULL without a backfill fails on seeded NULLs', change: 'ALTER TABLE users ALTER COLUMN age SET NOT NULL;\n', seeded: ['verify-statement-failed expand 1'], empty: ['traced-access-exclusive expand 1'] },
    { name: 'a type change rewrites the seeded table', change: 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n', seeded: ['traced-table-rewrite expand 1'], empty: ['traced-table-rewrite expand 1'] },
    { name: 'a safe change stays safe with rows', change: 'ALTER TABLE users ADD COLUMN note text;\n', seeded: [], empty: [] },
  ])('$name', async ({ change, seeded, empty }) => {
    const before = await verifyDatabases();
    const withSeed = await verify(change, ['--format', 'json', '--seed', '500']);
    expect(withSeed.stderr).toBe('');
    expect(errors(withSeed.stdout)).toEqual(seeded);
    expect(withSeed.code).toBe(seeded.length > 0 ? 1 : 0);
    const report = JSON.parse(withSeed.stdout) as JsonReport;
    expect(report.seed).toEqual({ rows: 500, tables: [{ table: 'users', rows: 500 }, { table: 'orders', rows: 500 }] });
    const without = await verify(change, ['--format', 'json']);
    expect(errors(without.stdout)).toEqual(empty);
    expect((JSON.parse(without.stdout) as JsonReport).seed).toBeUndefined();
    expect(await leftSince(before)).toEqual([]);
  });

  it('the failure names Postgres’ reason, and the pretty output says what was seeded', async () => {
    const run = await verify('ALTER TABLE users ALTER COLUMN age SET NOT NULL;\n', ['--seed', '200']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Seeded 2 tables × 200 rows.');
    expect(run.stdout).toContain('column "age" of relation "users" contains null values');
    expect(run.stdout).toContain("synthetic rows (every 10th value of a nullable column NULL)");
  });

  it('forecasts each backfill of the change on the seeded rows, as migrate --dry-run does; without rows, none', async () => {
    const change = `-- pgtandem:expand
ALTER TABLE users ADD COLUMN name_lower text;
-- pgtandem:migrate
UPDATE users SET name_lower = lower(name) WHERE name_lower IS NULL;
`;
    const json = await verify(change, ['--format', 'json', '--seed', '3000']);
    expect(json.code, json.stderr).toBe(0);
    const { forecasts } = JSON.parse(json.stdout) as JsonReport;
    expect(forecasts).toEqual([{ file: '0002_change.sql', line: 4, text: expect.stringMatching(/^estimate: public\.users: ~3k rows, ~\d+ s at the sampled [\d,]+ rows\/s \(batch [\d,]+\)$/) }]);
    const pretty = await verify(change, ['--seed', '3000']);
    expect(pretty.stdout).toMatch(/Backfills on the seeded rows \(batched as migrate would, sampled and rolled back\):\n {2}0002_change\.sql:4 estimate: public\.users: ~3k rows/);
    expect((JSON.parse((await verify(change, ['--format', 'json'])).stdout) as JsonReport).forecasts).toBeUndefined();
  });

  it.each(['0', '-5', '1.5', 'many', '1e3', '100000001'])('--seed %s is a usage error', async (value) => {
    const run = await verify('ALTER TABLE users ADD COLUMN note text;\n', ['--seed', value]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--seed');
  });
});
