import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/lint/config.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { Phase } from '../../src/migrations/phase.js';
import { backfillEngine } from '../../src/runner/backfill-engine.js';
import { runPhase } from '../../src/runner/run-phase.js';
import { runnerSettings } from '../../src/runner/settings.js';
import { runMain } from '../support/run-main.js';
import { migrationsDir, schemaShape } from '../support/runner-cli.js';
import { StatStatementsServer, startApp } from '../support/stat-statements-server.js';

// Contract's usage gate against a real pg_stat_statements: a server of its own (its statistics are reset here).
// v1 reads users.name; v2 (or v1 with its flag flipped) reads users.full_name; contract drops users.name.
const MIGRATIONS = {
  '0001_users.sql': `-- pgtandem:expand
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE teams (id bigserial PRIMARY KEY, name text);
INSERT INTO users (email, name) SELECT 'u' || g || '@x.test', 'User ' || g FROM generate_series(1, 500) g;
INSERT INTO teams (name) VALUES ('core');
`,
  '0002_rename_name.sql': `-- pgtandem:expand
ALTER TABLE users ADD COLUMN full_name text;
-- pgtandem:migrate
UPDATE users SET full_name = name WHERE full_name IS NULL;
-- pgtandem:no-batch
UPDATE teams SET name = trim(name) WHERE name <> trim(name);
-- pgtandem:contract
ALTER TABLE users DROP COLUMN name;
`,
};

describe('contract usage gate (pg_stat_statements)', () => {
  let server: StatStatementsServer;
  const dir = migrationsDir(MIGRATIONS);
  let count = 0;
  // In process (the built CLI's wiring, without a node start per run): contract runs a dozen times here.
  const contract = (url: string, ...args: string[]) => runMain(['contract', '--dir', dir, ...args], { cwd: dir, env: { DATABASE_URL: url } });

  beforeAll(async () => {
    server = await StatStatementsServer.start();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh database with both migrations expanded and migrated (in process: the CLI is what contract is tested through). */
  async function migrated(options: { extension?: boolean } = {}): Promise<string> {
    const url = await server.database(`usage_${++count}`, options);
    await runPhases(url, ['expand', 'migrate']);
    return url;
  }

  async function runPhases(url: string, phases: Phase[], folder = dir): Promise<void> {
    const client = new pg.Client({ connectionString: url, application_name: 'pgtandem test' });
    await client.connect();
    try {
      const { migrations } = await discoverMigrations([folder]);
      for (const phase of phases) {
        await runPhase({ phase, migrations, client, settings: runnerSettings(defaultConfig(), 17), lockWaitMs: 1_000, backfill: backfillEngine, keepUsageSnapshot: true });
      }
    } finally {
      await client.end();
    }
  }

  async function columns(url: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await schemaShape(client)).filter((line) => line.startsWith('column users.'));
    } finally {
      await client.end();
    }
  }

  it('an app that still selects the old column blocks contract; after its flag flips, contract goes ahead', async () => {
    const url = await migrated();
    const v1 = await startApp(url, 'SELECT id, name FROM users WHERE id = $1', [7], 'shop@v2-flag-off');
    let refused;
    try {
      refused = await contract(url, '--usage-window', '1s');
    } finally {
      await v1.stop();
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('usage gate: watching pg_stat_statements for 1s');
    expect(refused.stderr).toContain('refusing to contract: the application still uses what contract removes');
    expect(refused.stderr).toMatch(/column public\.users\.name: \d+ call\(s\) of "SELECT id, name FROM users WHERE id = \$1"/);
    expect(await columns(url)).toContain('column users.name text');

    // The flag flips: the same binary now reads full_name. The old statement stays in pg_stat_statements, but its calls stop.
    const v2 = await startApp(url, 'SELECT id, full_name FROM users WHERE id = $1', [7], 'shop@v2-flag-on');
    let passed;
    try {
      passed = await contract(url, '--usage-window', '1s');
    } finally {
      await v2.stop();
    }
    expect(passed.stderr).toContain('usage gate: no statement used column public.users.name in the last');
    expect(passed.code).toBe(0);
    expect(await columns(url)).not.toContain('column users.name text');
  });

  it('SELECT * counts as a use of every column; the same column name on another table does not', async () => {
    const url = await migrated();
    const star = await startApp(url, 'SELECT * FROM users WHERE id = $1', [3]);
    const teams = await startApp(url, 'SELECT t.id, t.name FROM teams t WHERE t.id = $1', [1]);
    let refused;
    try {
      refused = await contract(url, '--usage-window', '1s');
    } finally {
      await star.stop();
    }
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/column public\.users\.name: \d+ call\(s\) of "SELECT \* FROM users WHERE id = \$1"/);
    expect(refused.stderr).not.toContain('FROM teams');
    try {
      const passed = await contract(url, '--usage-window', '1s');
      expect(passed.stderr).toContain('no statement used column public.users.name');
      expect(passed.code).toBe(0);
    } finally {
      await teams.stop();
    }
  });

  it("pgtandem's own statements never count: migrate's batched and unbatched backfills and its state, inside the window since migrate", async () => {
    const url = await migrated();
    // The window starts at the snapshot migrate kept before its backfills: they ran inside it, reading users.name.
    const { rows } = await server.query(`SELECT 1`);
    expect(rows).toHaveLength(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const seen = await client.query<{ query: string }>(
      `SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0
         AND (query LIKE '%pgtandem_change%' OR query LIKE 'UPDATE teams%' OR query LIKE '%pgtandem.%')`,
    );
    await client.end();
    expect(seen.rows.some((r) => r.query.includes('pgtandem_change') && r.query.includes('name'))).toBe(true);
    expect(seen.rows.some((r) => r.query.startsWith('UPDATE teams'))).toBe(true);
    const passed = await contract(url, '--usage-since', 'migrate', '--usage-window', '1s');
    expect(passed.stderr).toContain('no statement used column public.users.name');
    expect(passed.code).toBe(0);
  });

  it('--usage-since migrate still counts an application use after migrate', async () => {
    const url = await migrated();
    const client = new pg.Client({ connectionString: url, application_name: 'shop@v1' });
    await client.connect();
    await client.query('UPDATE users SET name = $1 WHERE id = $2', ['Renamed', 5]);
    await client.end();
    const refused = await contract(url, '--usage-since', 'migrate', '--usage-window', '1s');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/column public\.users\.name: 1 call\(s\) of "UPDATE users SET name = \$1 WHERE id = \$2"/);
  });

  it('a window that makes no sense is one line, exit 2, before connecting', async () => {
    for (const window of ['-5m', '10 parsecs', '0']) {
      const run = await contract('postgres://nobody@127.0.0.1:1/none', '--usage-window', window);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`--usage-window: expected a duration`);
    }
    const since = await contract('postgres://nobody@127.0.0.1:1/none', '--usage-since', 'yesterday');
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--usage-since: expected "migrate"');
    writeFileSync(join(dir, 'bad.config.json'), JSON.stringify({ usageWindow: '-5m' }));
    const config = await contract('postgres://nobody@127.0.0.1:1/none', '--config', join(dir, 'bad.config.json'));
    expect(config.code).toBe(2);
    expect(config.stderr).toContain('usageWindow must be a duration longer than 0');
  });

  it('pg_stat_statements reset during the window: refuses and says so', async () => {
    const url = await migrated();
    const output = { stderr: '' };
    const run = runMain(['contract', '--dir', dir, '--usage-window', '2s'], { cwd: dir, env: { DATABASE_URL: url } }, output);
    for (let i = 0; i < 100 && !output.stderr.includes('watching pg_stat_statements'); i++) await new Promise((r) => setTimeout(r, 100));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_stat_statements_reset()');
    await admin.end();
    const refused = await run;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pg_stat_statements was reset during the usage window');
    expect(await columns(url)).toContain('column users.name text');
  });

  it("a role that cannot read other roles' statements: the gate names the grant and refuses, unless config accepts its own statements", async () => {
    await server.query(`CREATE ROLE deployer LOGIN PASSWORD 'deployer-pw'`);
    const name = `usage_${++count}`;
    await server.database(name, { owner: 'deployer' });
    const url = server.url(name, { user: 'deployer', password: 'deployer-pw' });
    await runPhases(url, ['expand', 'migrate']);
    const refused = await contract(url, '--usage-window', '1s');
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n').filter((line) => line.includes('pg_read_all_stats'))).toHaveLength(1);
    expect(refused.stderr).toContain("refusing to contract: role deployer cannot read other roles' statements in pg_stat_statements");
    expect(refused.stderr).toContain('GRANT pg_read_all_stats TO deployer');
    expect(refused.stderr).not.toContain('deployer-pw');

    writeFileSync(join(dir, 'own.config.json'), JSON.stringify({ usageGateOwnStatementsOnly: true }));
    const passed = await contract(url, '--usage-window', '1s', '--config', join(dir, 'own.config.json'));
    expect(passed.stderr).toContain('warning: usage gate: role deployer sees only its own statements in pg_stat_statements (GRANT pg_read_all_stats TO deployer');
    expect(passed.code).toBe(0);
  });

  it('without the extension: one line saying how to enable it, and the old-release guard still holds; usageGate "required" refuses', async () => {
    const url = await migrated({ extension: false });
    const old = new pg.Client({ connectionString: url, application_name: 'shop@v1' });
    await old.connect();
    try {
      const refused = await contract(url, '--old-release', 'shop@v1%');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("session(s) of the old release (application_name LIKE 'shop@v1%') still connected");
    } finally {
      await old.end();
    }
    writeFileSync(join(dir, 'required.config.json'), JSON.stringify({ usageGate: 'required' }));
    const required = await contract(url, '--config', join(dir, 'required.config.json'));
    expect(required.code).toBe(1);
    expect(required.stderr).toContain('the usage gate is required (usageGate "required") but pg_stat_statements is not installed');
    const passed = await contract(url, '--old-release', 'shop@v1%');
    expect(passed.stderr.trim().split('\n')).toHaveLength(1);
    expect(passed.stderr).toContain('usage gate: pg_stat_statements is not installed in this database (add pg_stat_statements to shared_preload_libraries');
    expect(passed.stderr).toContain('CREATE EXTENSION pg_stat_statements');
    expect(passed.code).toBe(0);
  });
});
