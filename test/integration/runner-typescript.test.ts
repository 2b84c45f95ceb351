import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape, startCli, status } from '../support/runner-cli.js';

// TypeScript migrations run by the CLI (build first), beside SQL ones, in the runner's transactions.
const USERS_SQL = `-- pgtandem:expand
CREATE TABLE users (id bigserial PRIMARY KEY, name text, email text NOT NULL);
INSERT INTO users (name, email) SELECT 'User ' || g, 'U' || g || '@Example.com' FROM generate_series(1, 30) g;
-- pgtandem:abort
DROP TABLE users;
`;

// The schema builder, the query builder and sql`` from kysely, in every phase.
const EMAIL_LOWER_TS = `import { sql, type Kysely } from 'kysely';

export async function expand(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_lower', 'text').execute();
  await sql\`CREATE INDEX users_email_lower_idx ON users (email_lower)\`.execute(db);
}

export async function migrate(db: Kysely<any>): Promise<void> {
  await db.updateTable('users').set({ email_lower: sql\`lower(email)\` }).where('email_lower', 'is', null).execute();
}

export async function contract(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').alterColumn('email_lower', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('users').dropColumn('name').execute();
}

export async function abort(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_lower').execute();
}

// Ignored, as down files are.
export async function down(db: Kysely<any>): Promise<void> {
  await sql\`DROP TABLE users\`.execute(db);
}
`;

async function columns(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe('a SQL and a TypeScript migration: expand → migrate → contract', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('tsmig_phases');
    dir = migrationsDir({ '0001_users.sql': USERS_SQL, '0002_email_lower.ts': EMAIL_LOWER_TS });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('--dry-run names the export as one action and runs nothing', async () => {
    const result = await run('expand', '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0002_email_lower.ts — expand (1 action)');
    expect(result.stdout).toContain('expand#1  runs 0002_email_lower.ts export expand (TypeScript, one transaction)');
    const { rows } = await db.client.query(`SELECT to_regnamespace('pgtandem') AS schema, to_regclass('public.users') AS users`);
    expect(rows[0]).toEqual({ schema: null, users: null });
  });

  it('lint lints the TypeScript file through the SQL its phases record', async () => {
    const result = await runCli(['lint', '--format', 'json', dir], { cwd: dir });
    const report = JSON.parse(result.stdout) as { summary: { files: number }; findings: { file: string; rule: string; line: number; phase: string }[] };
    expect(report.summary.files).toBe(2);
    // What the runner would really do: one transaction per phase, the migrate export unbatched.
    expect(report.findings.filter((f) => f.file.endsWith('.ts')).map((f) => `${f.line} ${f.phase} ${f.rule}`)).toEqual([
      '5 expand multiple-ddl-locks-in-transaction',
      '5 expand require-concurrent-index-creation',
      '9 migrate backfill-outside-migrate-phase',
      '13 contract adding-not-nullable-field',
    ]);
  });

  it('expand runs both in version order', async () => {
    const result = await run('expand');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('expand 0002_email_lower.ts (1 action)\n  ✓ expand#1 export expand\n');
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'expanded', '0002': 'expanded' });
    expect(await columns(db.client, 'users')).toEqual(['email', 'email_lower', 'id', 'name']);
    expect(await schemaShape(db.client)).toContain('index users_email_lower_idx on users');
  });

  it('migrate backfills through the query builder', async () => {
    const result = await run('migrate');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('migrate 0001_users.sql (empty section, recorded as done)');
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'migrated', '0002': 'migrated' });
    expect(report.next).toBe('pgtandem contract');
    const { rows } = await db.client.query(`SELECT count(*)::int AS wrong FROM users WHERE email_lower IS DISTINCT FROM lower(email)`);
    expect(rows[0].wrong).toBe(0);
  });

  it('contract runs the contract export (down is never called)', async () => {
    const result = await run('contract', '--force');
    expect(result.code).toBe(0);
    const report = await status(dir, db.url);
    expect(report.states).toEqual({ '0001': 'contracted', '0002': 'contracted' });
    expect(report.next).toBe('nothing to do');
    expect(await schemaShape(db.client)).toContain('column users.email_lower text not null');
    expect(await columns(db.client, 'users')).toEqual(['email', 'email_lower', 'id']);
    const { rows } = await db.client.query(`SELECT version, phase, result FROM pgtandem.events WHERE version = '0002' ORDER BY id`);
    expect(rows).toEqual([
      { version: '0002', phase: 'expand', result: 'succeeded' },
      { version: '0002', phase: 'migrate', result: 'succeeded' },
      { version: '0002', phase: 'contract', result: 'succeeded' },
    ]);
  });
});

describe('a SQL and a TypeScript migration: expand → abort', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('tsmig_abort');
    dir = migrationsDir({ '0001_users.sql': USERS_SQL, '0002_email_lower.ts': EMAIL_LOWER_TS });
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });

  it('abort runs the abort exports newest first and returns the schema to its pre-expand shape', async () => {
    expect((await run('expand', '--to', '0001')).code).toBe(0);
    const before = await schemaShape(db.client);
    expect((await run('expand')).code).toBe(0);
    expect(await schemaShape(db.client)).not.toEqual(before);

    const aborted = await run('abort', '--to', '0002');
    expect(aborted.code).toBe(0);
    expect(aborted.stdout).toContain('abort 0002_email_lower.ts (1 action)\n  ✓ abort#1 export abort\n');
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'expanded', '0002': 'aborted' });
    expect(await schemaShape(db.client)).toEqual(before);

    expect((await run('abort')).code).toBe(0);
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'aborted', '0002': 'aborted' });
    const { rows } = await db.client.query(`SELECT to_regclass('public.users') AS users`);
    expect(rows[0].users).toBeNull();
  });
});

describe('TypeScript migrations that export up, import helpers, fail, change or do not load', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase('tsmig_failures');
    dir = migrationsDir({ '0001_users.sql': USERS_SQL });
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } })).code).toBe(0);
  });
  afterAll(async () => db?.drop());
  const run = (...args: string[]) => runCli([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
  const write = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n') + '\n');

  it('a plain up export counts as expand; a relative TypeScript helper and a package of the project resolve', async () => {
    mkdirSync(join(dir, 'lib'));
    write('lib/columns.ts', [`export const idColumn: string = 'id';`]);
    mkdirSync(join(dir, 'node_modules', 'tag-names'), { recursive: true });
    write('node_modules/tag-names/package.json', [JSON.stringify({ name: 'tag-names', type: 'module', exports: './index.js' })]);
    write('node_modules/tag-names/index.js', [`export const table = 'tags';`]);
    write('0002_tags.ts', [
      `import type { Kysely } from 'kysely';`,
      `import { table } from 'tag-names';`,
      `import { idColumn } from './lib/columns.ts';`,
      `export async function up(db: Kysely<any>): Promise<void> {`,
      `  await db.schema.createTable(table).addColumn(idColumn, 'integer', (c) => c.primaryKey()).execute();`,
      `}`,
      `export async function down(db: Kysely<any>): Promise<void> {`,
      `  await db.schema.dropTable(table).execute();`,
      `}`,
    ]);
    const dry = await run('expand', '--dry-run');
    expect(dry.stdout).toContain('expand#1  runs 0002_tags.ts export up (TypeScript, one transaction)');
    const result = await run('expand');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✓ expand#1 export up');
    expect(await columns(db.client, 'tags')).toEqual(['id']);
    const migrate = await run('migrate');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('migrate 0002_tags.ts (empty section, recorded as done)');
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'migrated', '0002': 'migrated' });
  });

  const THROWS = [
    `import { sql, type Kysely } from 'kysely';`,
    `export async function expand(db: Kysely<any>) {}`,
    `export async function migrate(db: Kysely<any>) {`,
    `  await db.updateTable('users').set({ email: sql\`upper(email)\` }).execute();`,
    `  throw new Error('the backfill found a bad row');`,
    `}`,
  ];

  it('a migrate that throws rolls back what it did and exits 1 naming the file and the export', async () => {
    write('0003_throws.ts', THROWS);
    expect((await run('expand')).code).toBe(0);
    const result = await run('migrate');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('pgtandem: 0003_throws.ts export migrate failed: the backfill found a bad row\n');
    expect((await status(dir, db.url)).states['0003']).toBe('expanded');
    const { rows } = await db.client.query(`SELECT count(*)::int AS upper FROM users WHERE email = upper(email)`);
    expect(rows[0].upper).toBe(0);
    const events = await db.client.query(`SELECT result, error FROM pgtandem.events WHERE version = '0003' AND phase = 'migrate'`);
    expect(events.rows).toEqual([{ result: 'failed', error: '0003_throws.ts export migrate failed: the backfill found a bad row' }]);
  });

  it('a file changed after its expand ran is refused (the checksum covers the whole file); after an abort it may change', async () => {
    const fixed = [...THROWS.slice(0, 4), '}'];
    write('0003_throws.ts', fixed);
    const refused = await run('migrate');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to run: 0003_throws.ts (the whole file is checksummed; its expand ran) changed after it ran');
    expect((await status(dir, db.url)).states['0003']).toBe('expanded');

    write('0003_throws.ts', THROWS);
    expect((await run('abort', '--to', '0003')).code).toBe(0);
    write('0003_throws.ts', fixed);
    expect((await run('expand')).code).toBe(0);
    expect((await run('migrate')).code).toBe(0);
    expect((await status(dir, db.url)).states['0003']).toBe('migrated');
    const { rows } = await db.client.query(`SELECT count(*)::int AS lower FROM users WHERE email <> upper(email)`);
    expect(rows[0].lower).toBe(0);
  });

  it('a function that tries to end the runner transaction is refused, and nothing of it stays', async () => {
    write('0004_own_tx.ts', [
      `import type { Kysely } from 'kysely';`,
      `export async function expand(db: Kysely<any>) {`,
      `  await db.schema.createTable('own_tx').addColumn('id', 'integer').execute();`,
      `  await db.transaction().execute(async () => {});`,
      `}`,
    ]);
    const result = await run('expand');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`pgtandem: 0004_own_tx.ts export expand failed: "begin" refused: a migration's phase function runs inside the runner's transaction`);
    expect((await status(dir, db.url)).states['0004']).toBe('pending');
    const { rows } = await db.client.query(`SELECT to_regclass('public.own_tx') AS own_tx`);
    expect(rows[0].own_tx).toBeNull();
    unlinkSync(join(dir, '0004_own_tx.ts'));
  });

  it('a syntax error exits 2 with file:line:column, before any migration runs', async () => {
    write('0005_before.sql', ['-- pgtandem:expand', 'CREATE TABLE before_broken (id int);']);
    write('0006_broken.ts', ['export async function expand(db) {', '  const x = ;', '}']);
    const result = await run('expand');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('pgtandem: 0006_broken.ts:2:13: Unexpected ";"\n');
    const { rows } = await db.client.query(`SELECT to_regclass('public.before_broken') AS before_broken`);
    expect(rows[0].before_broken).toBeNull();
    expect((await run('expand', '--dry-run')).code).toBe(2);
  });

  it.each([
    ['an export that is not a function', `export const expand = 'CREATE TABLE x ()';`, '0006_broken.ts: export expand is not a function (it is string)'],
    ['both up and expand', `export async function up() {}\nexport async function expand() {}`, '0006_broken.ts: exports both up and expand'],
    ['no phase export at all', `export const name = 'x';`, '0006_broken.ts: exports none of expand, migrate, contract, abort (or up)'],
    ['a package that does not resolve', `import { x } from 'no-such-package';\nexport async function expand() { return x; }`, '0006_broken.ts:1:19: Could not resolve "no-such-package"'],
    ['a top level that throws', `throw new Error('config missing');\nexport async function expand() {}`, '0006_broken.ts: cannot load: config missing'],
  ])('%s exits 2 naming the file', async (_case, text, message) => {
    write('0006_broken.ts', [text]);
    const result = await run('expand');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`pgtandem: ${message}`);
    expect((await status(dir, db.url)).states['0005']).toBe('pending');
  });
});

describe('a TypeScript phase and lock_timeout', () => {
  let db: TestDatabase;
  let dir: string;
  const others: pg.Client[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('tsmig_locks');
    dir = migrationsDir({ '0001_users.sql': USERS_SQL });
    expect((await runCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } })).code).toBe(0);
  });
  afterEach(async () => {
    for (const client of others.splice(0)) await client.end().catch(() => {});
  });
  afterAll(async () => db?.drop());

  it('retries the whole function while a transaction holds a lock on the table, and succeeds once it ends', async () => {
    writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify({ lockTimeout: '100ms', lockRetryDeadline: '2min' }));
    // Each call leaves a line in a file beside it: the one side effect outside the database, to count the calls.
    writeFileSync(
      join(dir, '0002_last_seen.ts'),
      [
        `import { appendFileSync } from 'node:fs';`,
        `import { join } from 'node:path';`,
        `import type { Kysely } from 'kysely';`,
        `export async function expand(db: Kysely<any>): Promise<void> {`,
        `  appendFileSync(join(import.meta.dirname, 'calls.log'), 'call\\n');`,
        `  await db.schema.createTable('audit').addColumn('id', 'bigserial', (c) => c.primaryKey()).execute();`,
        `  await db.schema.alterTable('users').addColumn('last_seen', 'timestamptz').execute();`,
        `}`,
      ].join('\n'),
    );
    const blocker = new pg.Client({ connectionString: db.url, application_name: 'long-report' });
    await blocker.connect();
    others.push(blocker);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS SHARE MODE');

    const expand = startCli(['expand', '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
    let stderr = '';
    expand.child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    for (let i = 0; i < 600 && !stderr.includes('lock not available'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stderr).toContain('pgtandem: 0002_last_seen.ts export expand: lock not available');
    expect(stderr).toContain('"long-report"');
    // While it waits, nothing of the function is visible: the table it created first was rolled back.
    const { rows } = await db.client.query(`SELECT to_regclass('public.audit') AS audit`);
    expect(rows[0].audit).toBeNull();
    await blocker.query('COMMIT');

    const result = await expand.done;
    expect(result.code).toBe(0);
    expect((await status(dir, db.url)).states).toEqual({ '0001': 'expanded', '0002': 'expanded' });
    expect(await columns(db.client, 'users')).toContain('last_seen');
    expect(await columns(db.client, 'audit')).toEqual(['id']);
    expect(readFileSync(join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
  });
});
