import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape, startCli, status } from '../support/runner-cli.js';
import { until } from '../support/until.js';

const USERS = `-- pgtandem:expand
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);
-- pgtandem:abort
DROP TABLE users;
`;

// Three actions: a table, an index built concurrently, then a change to the table the tests lock.
const AUDIT = `-- pgtandem:expand
CREATE TABLE audit (id bigserial PRIMARY KEY, user_id bigint, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX CONCURRENTLY audit_user_id_idx ON audit (user_id);
ALTER TABLE users ADD COLUMN last_seen timestamptz;
-- pgtandem:abort
ALTER TABLE users DROP COLUMN IF EXISTS last_seen;
DROP TABLE IF EXISTS audit;
`;

async function connectAs(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}


describe('lock_timeout, retries and the deadline', () => {
  let db: TestDatabase;
  let dir: string;
  const others: pg.Client[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('runner_locks');
    dir = migrationsDir({ '0001_users.sql': USERS });
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } })).code).toBe(0);
    writeFileSync(join(dir, '0002_audit.sql'), AUDIT);
  });
  afterEach(async () => {
    for (const client of others.splice(0)) await client.end().catch(() => {});
  });
  afterAll(async () => db?.drop());

  it('at the deadline it exits 1 naming the blocker, with finished actions kept and the rest not applied', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ lockTimeout: '100ms', lockRetryDeadline: '1s' }));
    const blocker = await connectAs(db.url, 'reporting-job');
    others.push(blocker);
    const { rows } = await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS SHARE MODE');

    const result = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('0002_audit.sql:4 expand#3: could not get its locks within lockRetryDeadline (1s');
    expect(result.stderr).toContain(`pid ${rows[0]!.pid}  application_name "reporting-job"  idle in transaction, transaction open`);
    expect(result.stderr).toContain('query: LOCK TABLE users IN ACCESS SHARE MODE');

    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'expanded', '0002': 'pending' });
    expect(report.migrations[1]!.inProgress).toEqual({ phase: 'expand', actionsDone: 2 });
    expect(report.next).toBe('pgtandem expand');
    const dry = await runCli(['expand', '--dry-run', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(dry.stdout).toContain('resumes an interrupted run: the first 2 actions finished already');
    expect(dry.stdout).toContain('expand#2  done already  line 3');
    expect(dry.stdout).toContain('expand#3  one transaction (1 statement)  line 4');
    const shape = await schemaShape(db.client);
    expect(shape).toContain('index audit_user_id_idx on audit');
    expect(shape).not.toContain('column users.last_seen timestamp with time zone');
    const events = await db.client.query(`SELECT result, error FROM pgtandem.events WHERE version = '0002'`);
    expect(events.rows).toEqual([{ result: 'failed', error: expect.stringContaining('could not get its locks') }]);
  });

  it('retries while a transaction holds a lock on the table, and succeeds once it ends, resuming after the finished actions', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ lockTimeout: '100ms', lockRetryDeadline: '2min' }));
    const blocker = await connectAs(db.url, 'long-report');
    others.push(blocker);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS SHARE MODE');

    const expand = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    let stderr = '';
    expand.child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    await until(() => stderr.includes('lock not available'), 'a lock retry');
    expect(stderr).toContain('(held by pid');
    expect(stderr).toContain('"long-report"');
    await blocker.query('COMMIT');
    const result = await expand.done;
    expect(result.code).toBe(0);
    // Actions 1 and 2 finished in the previous run: CREATE TABLE audit would fail if repeated.
    expect(result.stdout).toContain('0002_audit.sql (3 actions, resuming after 2 finished)');
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'expanded', '0002': 'expanded' });
    expect(await schemaShape(db.client)).toContain('column users.last_seen timestamp with time zone');
  });

  it('a second runner waits --lock-wait, then exits 1 naming the runner that holds the lock', async () => {
    writeFileSync(join(dir, '0003_slow.sql'), '-- pgtandem:expand\nSELECT pg_sleep(4);\nCREATE TABLE slow_done (id int);\n');
    const first = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    await until(async () => {
      const { rows } = await db.client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgtandem expand' AND query LIKE '%pg_sleep%' AND state = 'active'`);
      return rows.length > 0;
    }, 'the first runner to be at work');
    const { rows } = await db.client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'pgtandem expand'`);

    const second = await runCli(['expand', '--dir', dir, '--lock-wait', '500ms'], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another pgtandem runner is working on this database (pid ${rows[0]!.pid}, application_name "pgtandem expand", connected since`);

    expect((await first.done).code).toBe(0);
    expect((await status(dir, db.url)).states['0003']).toBe('expanded');
  });

  it('statement_timeout from the config bounds every statement', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ statementTimeout: '300ms' }));
    writeFileSync(join(dir, '0004_too_slow.sql'), '-- pgtandem:expand\nCREATE TABLE too_slow (id int);\nSELECT pg_sleep(3);\n');
    const result = await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('0004_too_slow.sql:3 expand#1 failed: canceling statement due to statement timeout (SQLSTATE 57014)');
    expect((await status(dir, db.url)).states['0004']).toBe('pending');
    expect(await schemaShape(db.client)).not.toContain('column too_slow.id integer');
  });
});
