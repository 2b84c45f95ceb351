import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, startCli, status } from '../support/runner-cli.js';
import { until } from '../support/until.js';

// Issue 15, truthful state: status says what stopped a phase — the failing statement's
// file:line, the server's message, whether a rerun can help — and an interrupted run is
// recorded as interrupted, in words.

const USERS = `-- pgtandem:expand
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100000) g;
`;

const BROKEN = `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email text;

ALTER TABLE userz ADD COLUMN x int;
-- pgtandem:migrate
UPDATE users SET email = name || '@example.com' WHERE email IS NULL;
`;

describe('status after a failure and an interruption', () => {
  let db: TestDatabase;
  let dir: string;
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
  beforeAll(async () => {
    db = await createTestDatabase('runner_status');
    dir = migrationsDir({ '0001_users.sql': USERS, '0002_email.sql': BROKEN });
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ batchSize: 500, batchDelayMs: 20 }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a failed statement: its own file:line, the error in status, and that a rerun alone will not help', async () => {
    const failed = await run('expand');
    expect(failed.code).toBe(1);
    // The action starts at line 2; the statement that failed is on line 4.
    expect(failed.stderr.trim()).toMatch(/0002_email\.sql:4 expand#1 failed: relation "userz" does not exist \(SQLSTATE 42P01\)$/);

    const report = await status(dir, db.url);
    const email = report.migrations.find((m) => m.version === '0002')!;
    expect(email.lastRun).toMatchObject({ phase: 'expand', result: 'failed', rerunCanHelp: false });
    expect(email.lastRun!.error).toMatch(/0002_email\.sql:4 expand#1 failed: relation "userz" does not exist/);
    expect(report.next).toMatch(/^fix \S*0002_email\.sql:4, then pgtandem expand$/);

    const pretty = await run('status');
    expect(pretty.stdout).toContain('expand failed after 0 actions: fix it before a rerun');
    expect(pretty.stdout).toMatch(/0002_email\.sql:4 expand#1 failed: relation "userz" does not exist/);
    expect(pretty.stdout).toContain('a rerun fails the same way');
    expect(pretty.stdout).not.toContain('interrupted');
  });

  it('the section of a phase none of whose actions finished can be fixed and rerun', async () => {
    writeFileSync(join(dir, '0002_email.sql'), BROKEN.replace('ALTER TABLE userz ADD COLUMN x int;\n', ''));
    const fixed = await run('expand');
    expect(fixed.code).toBe(0);
    const report = await status(dir, db.url);
    expect(report.states['0002']).toBe('expanded');
    expect(report.migrations.find((m) => m.version === '0002')!.lastRun).toBeUndefined();
  });

  it('SIGINT during the backfill: recorded as interrupted with its cursor, never an internal message; a rerun resumes', async () => {
    const migrate = startCli(['migrate', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    await until(async () => {
      const { rows } = await db.client.query(`SELECT backfill FROM pgtandem.migrations WHERE version = '0002' AND backfill IS NOT NULL`);
      return rows.length > 0;
    }, 'the backfill to save its first cursor');
    migrate.child.kill('SIGINT');
    const stopped = await migrate.done;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).not.toMatch(/aborted|internal error/i);
    expect(stopped.stderr).toMatch(/0002_email\.sql:5 migrate#1: migrate stopped on request; the backfill's cursor is saved( after [\d,]+ rows)? — rerun pgtandem migrate to resume/);

    const { rows } = await db.client.query<{ result: string }>(`SELECT result FROM pgtandem.events WHERE version = '0002' AND phase = 'migrate'`);
    expect(rows.map((r) => r.result)).toEqual(['interrupted']);
    const email = (await status(dir, db.url)).migrations.find((m) => m.version === '0002')!;
    expect(email.lastRun).toMatchObject({ phase: 'migrate', result: 'interrupted', rerunCanHelp: true });
    expect((await run('status')).stdout).toContain('migrate interrupted after 0 actions and part of a backfill: rerun to resume');

    const rerun = await run('migrate');
    expect(rerun.code).toBe(0);
    const { rows: missing } = await db.client.query(`SELECT count(*)::int AS n FROM users WHERE email IS NULL`);
    expect(missing[0].n).toBe(0);
    expect((await status(dir, db.url)).states['0002']).toBe('migrated');
  });
});
