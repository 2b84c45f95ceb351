import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

interface Report {
  findings: { rule: string; severity: string; line: number; message: string }[];
}

// `lint --database-url`: the pending migration is checked against the live schema and its table sizes.
describe('lint --database-url', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('lint_live');
    await db.client.query(`
      CREATE TABLE countries (code text PRIMARY KEY, name text);
      INSERT INTO countries SELECT 'c' || g, 'Country ' || g FROM generate_series(1, 200) g;
      CREATE TABLE events (id bigint PRIMARY KEY, kind varchar(20), payload text);
      INSERT INTO events SELECT g, 'k' || (g % 7), repeat('x', 50) FROM generate_series(1, 30000) g;
      ANALYZE countries; ANALYZE events;`);
  });
  afterAll(async () => db?.drop());

  function pending(sql: string): string {
    const dir = tempDir('pgtandem-lint-live-');
    writeFileSync(join(dir, '0042_pending.sql'), `-- pgtandem:expand\n${sql}\n`);
    return dir;
  }

  it('names the sizes, keeps the big table an error, and lets a small one be a warning', async () => {
    const dir = pending('CREATE INDEX countries_name_idx ON countries (name);\nCREATE INDEX events_kind_idx ON events (kind);');
    const run = await runCli(['lint', '--format', 'json', dir], { cwd: dir, env: { PGTANDEM_DATABASE_URL: db.url } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const findings = (JSON.parse(run.stdout) as Report).findings.filter((f) => f.rule === 'require-concurrent-index-creation');
    expect(findings.map((f) => [f.line, f.severity])).toEqual([
      [2, 'warn'],
      [3, 'error'],
    ]);
    expect(findings[0]!.message).toMatch(/countries \(~200 rows, [\d.]+ kB\) — under smallTableRows \(10,000\)/);
    expect(findings[1]!.message).toMatch(/events \(~30k rows, [\d.]+ MB\)\.$/);
  });

  it('knows the live column types: widening varchar needs no rewrite, bigint to text does', async () => {
    const dir = pending('ALTER TABLE events ALTER COLUMN kind TYPE varchar(40);\nALTER TABLE events ALTER COLUMN id TYPE text;');
    const run = await runCli(['lint', '--format', 'json', '--database-url', db.url, dir], { cwd: dir });
    const findings = (JSON.parse(run.stdout) as Report).findings.filter((f) => f.rule === 'changing-column-type');
    expect(findings.map((f) => f.line)).toEqual([3]);
  });

  it('writes nothing: the database has no pgtandem schema and the same tables afterwards', async () => {
    const { rows } = await db.client.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgtandem'`);
    expect(rows[0].n).toBe(0);
  });

  it('a database it cannot reach: exit 2, one line, no password', async () => {
    const url = new URL(db.url);
    url.port = '1';
    url.password = 's3cret-pass';
    const dir = pending('SELECT 1;');
    const run = await runCli(['lint', '--database-url', url.toString(), dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('cannot connect to the database');
    expect(run.stderr + run.stdout).not.toContain('s3cret-pass');
  });
});
