import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape, startCli, status } from '../support/runner-cli.js';

// The CLI is tested as a deploy pipeline drives it: `node bin/pgtandem.js` (build first).
const USERS = `-- pgtandem:expand
CREATE TABLE users (id bigserial PRIMARY KEY, name text, email text NOT NULL);
INSERT INTO users (name, email) SELECT 'User ' || g, 'U' || g || '@Example.com' FROM generate_series(1, 50) g;
-- pgtandem:abort
DROP TABLE users;
`;

const EMAIL_NORMALIZED = `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email_normalized text;
CREATE INDEX CONCURRENTLY users_email_normalized_idx ON users (email_normalized);
ALTER TABLE users ADD CONSTRAINT users_email_normalized_check CHECK (email_normalized IS NOT NULL) NOT VALID;
-- pgtandem:migrate
-- pgtandem:no-batch
UPDATE users SET email_normalized = lower(email) WHERE email_normalized IS NULL;
-- pgtandem:contract
ALTER TABLE users VALIDATE CONSTRAINT users_email_normalized_check;
ALTER TABLE users DROP COLUMN name;
-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS users_email_normalized_idx;
ALTER TABLE users DROP COLUMN IF EXISTS email_normalized;
`;

describe('pgtandem expand → migrate → contract', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('runner_phases');
    dir = migrationsDir({ '0001_users.sql': USERS, '0002_email_normalized.sql': EMAIL_NORMALIZED });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('--dry-run prints the plan and changes nothing, not even the pgtandem schema', async () => {
    const result = await run('expand', '--dry-run');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0002_email_normalized.sql — expand (3 actions)');
    expect(result.stdout).toContain('expand#2  outside a transaction (runs alone)  line 3');
    expect(result.stdout).toContain('locks: ACCESS EXCLUSIVE on users');
    const { rows } = await db.client.query(`SELECT to_regnamespace('pgtandem') AS schema, to_regclass('public.users') AS users`);
    expect(rows[0]).toEqual({ schema: null, users: null });
  });

  it('status before anything ran: all pending, next is expand, and nothing created', async () => {
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'pending', '0002': 'pending' });
    expect(report.next).toBe('pgtandem expand');
    const { rows } = await db.client.query(`SELECT to_regnamespace('pgtandem') AS schema`);
    expect(rows[0].schema).toBeNull();
  });

  it('expand applies every pending expand section in version order', async () => {
    const result = await run('expand');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'expanded', '0002': 'expanded' });
    expect(report.next).toBe('pgtandem migrate');
    expect(report.migrations[1]!.phases.expand!.finishedAt).toBeDefined();
    expect(await schemaShape(db.client)).toContain('index users_email_normalized_idx on users');
  });

  it('a second expand has nothing to do', async () => {
    const result = await run('expand');
    expect(result).toMatchObject({ code: 0, stdout: 'expand: nothing to do\n' });
  });

  it('contract is refused while the migrate phase has not run', async () => {
    const result = await run('contract');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the migrate phase of 0001_users.sql, 0002_email_normalized.sql has not finished');
  });

  it('migrate runs the migrate sections (an empty one is recorded as done)', async () => {
    const result = await run('migrate');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('migrate 0001_users.sql (empty section, recorded as done)');
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'migrated', '0002': 'migrated' });
    expect(report.next).toBe('pgtandem contract');
    const { rows } = await db.client.query(`SELECT count(*)::int AS missing FROM users WHERE email_normalized IS DISTINCT FROM lower(email)`);
    expect(rows[0].missing).toBe(0);
  });

  it('contract is refused while a session of the old release is connected, and lists it', async () => {
    const old = new pg.Client({ connectionString: db.url, application_name: 'shop@v1.4.2' });
    await old.connect();
    try {
      const { rows } = await old.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const refused = await run('contract', '--old-release', 'shop@v1%');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("application_name LIKE 'shop@v1%'");
      expect(refused.stderr).toContain(`pid ${rows[0]!.pid}  application_name "shop@v1.4.2"`);
      expect((await status(dir, db.url)).states).toEqual({ '0001': 'migrated', '0002': 'migrated' });
    } finally {
      await old.end();
    }
  });

  it('contract --wait waits for the old release to disconnect, then runs', async () => {
    const old = new pg.Client({ connectionString: db.url, application_name: 'shop@v1.4.2' });
    await old.connect();
    const contract = startCli(['contract', '--old-release', 'shop@v1%', '--wait', '60s', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    let stderr = '';
    contract.child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    for (let i = 0; i < 300 && !stderr.includes('waiting for 1 session(s) of the old release'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('waiting for 1 session(s) of the old release to disconnect');
    await old.end();
    const result = await contract.done;
    expect(result.code).toBe(0);
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'contracted', '0002': 'contracted' });
    expect(report.next).toBe('nothing to do');
    const shape = await schemaShape(db.client);
    expect(shape).not.toContain('column users.name text');
    expect(shape).toContain('constraint users_email_normalized_check CHECK ((email_normalized IS NOT NULL))');
  });

  it('logs every phase run with who ran it', async () => {
    const { rows } = await db.client.query(`SELECT version, phase, result, db_user, application_name FROM pgtandem.events ORDER BY id`);
    expect(rows.map((r) => `${r.version} ${r.phase} ${r.result}`)).toEqual([
      '0001 expand succeeded',
      '0002 expand succeeded',
      '0001 migrate succeeded',
      '0002 migrate succeeded',
      '0001 contract succeeded',
      '0002 contract succeeded',
    ]);
    expect(rows[0]).toMatchObject({ db_user: 'postgres', application_name: 'pgtandem expand' });
  });
});

describe('pgtandem abort', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('runner_abort');
    dir = migrationsDir({ '0001_users.sql': USERS });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('returns the schema to its shape before expand, and the migration can be expanded again', async () => {
    expect((await run('expand')).code).toBe(0);
    const before = await schemaShape(db.client);
    writeFileSync(join(dir, '0002_email_normalized.sql'), EMAIL_NORMALIZED);
    expect((await run('expand')).code).toBe(0);
    expect((await run('migrate')).code).toBe(0);
    expect(await schemaShape(db.client)).not.toEqual(before);

    const aborted = await run('abort', '--to', '0002');
    expect(aborted.code).toBe(0);
    expect(await schemaShape(db.client)).toEqual(before);
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'migrated', '0002': 'aborted' });

    // Fixing an aborted migration is allowed: its sections ran but were undone.
    writeFileSync(join(dir, '0002_email_normalized.sql'), EMAIL_NORMALIZED.replace('CREATE INDEX CONCURRENTLY', '-- fixed\nCREATE INDEX CONCURRENTLY'));
    expect((await run('expand')).code).toBe(0);
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'migrated', '0002': 'expanded' });
  });
});

describe('refusals', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('runner_refusals');
    dir = migrationsDir({ '0001_users.sql': USERS, '0002_email_normalized.sql': EMAIL_NORMALIZED });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('a section changed after it ran is refused, naming file and phase; a section not run yet may change', async () => {
    expect((await run('expand')).code).toBe(0);
    writeFileSync(join(dir, '0002_email_normalized.sql'), EMAIL_NORMALIZED.replace('DROP COLUMN name', 'DROP COLUMN name CASCADE'));
    expect((await run('migrate')).code).toBe(0);

    writeFileSync(join(dir, '0002_email_normalized.sql'), EMAIL_NORMALIZED.replace('ADD COLUMN email_normalized text', 'ADD COLUMN email_normalized varchar(200)'));
    const refused = await run('contract');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('0002_email_normalized.sql (expand section) changed after it ran');
    expect(refused.stderr).not.toContain('(migrate section)');
    expect((await status(dir, db.url)).states['0002']).toBe('migrated');
  });

  it('without a database URL it exits 2 saying what to set', async () => {
    const result = await runCli(['status', '--dir', dir], { cwd: dir, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --database-url <url> or set DATABASE_URL');
  });

  it('a connection error exits 2 in one line without the password', async () => {
    const url = new URL(db.url);
    url.password = 'sup3r-secret-pw';
    url.username = 'nobody_here';
    const result = await runCli(['expand', '--dir', dir, '--database-url', url.toString()], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('cannot connect to the database');
    expect(result.stderr + result.stdout).not.toContain('sup3r-secret-pw');
  });
});

describe('foreign layouts, --force and --embedded', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('runner_foreign');
    dir = migrationsDir({
      '000001_create_items.up.sql': 'BEGIN;\nCREATE TABLE items (id bigserial PRIMARY KEY, sku text NOT NULL);\nCREATE TABLE item_tags (item_id bigint, tag text);\nCOMMIT;\n',
      '000001_create_items.down.sql': 'DROP TABLE item_tags;\nDROP TABLE items;\n',
      '000002_items_sku_idx.up.sql': 'CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);\n',
      '000002_items_sku_idx.down.sql': 'DROP INDEX CONCURRENTLY items_sku_idx;\n',
    });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('a golang-migrate directory runs as expand-only migrations (its BEGIN/COMMIT honoured, down files ignored)', async () => {
    const dry = await run('expand', '--dry-run');
    expect(dry.stdout).toContain('000001_create_items.up.sql — expand (1 action)');
    expect(dry.stdout).toContain('expand#1  one transaction (2 statements)');
    expect((await run('expand')).code).toBe(0);
    expect((await status(dir, db.url)).states).toEqual({ '000001': 'expanded', '000002': 'expanded' });
    expect(await schemaShape(db.client)).toContain('index items_sku_idx on items');
    expect((await run('migrate')).code).toBe(0);
    expect((await status(dir, db.url)).states).toEqual({ '000001': 'migrated', '000002': 'migrated' });
  });

  it('contract --force goes ahead with old-release sessions connected, and says so', async () => {
    const old = new pg.Client({ connectionString: db.url, application_name: 'shop@v1' });
    await old.connect();
    try {
      const result = await run('contract', '--old-release', 'shop@v1%', '--force');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: --force: not checking for sessions of the old release');
      expect((await status(dir, db.url)).states).toEqual({ '000001': 'contracted', '000002': 'contracted' });
    } finally {
      await old.end();
    }
  });

  it('--embedded runs on a throwaway server without any URL', async () => {
    const result = await runCli(['status', '--embedded', '--format', 'json', '--dir', dir], { cwd: dir, env: {} });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('--embedded: started a throwaway PostgreSQL');
    expect(JSON.parse(result.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['pending', 'pending']);
  });
});
