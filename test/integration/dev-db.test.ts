import { mkdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServerProcess, serverProcesses } from '../../src/db/dev-db-files.js';
import { runCli, type CliRun } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// `pgtandem dev-db` as a newcomer uses it: the built CLI in a project of its own, each step a separate process,
// the server outliving them all. As root (this machine, CI) the server runs as the postgres user.
const WIDGETS = `-- pgtandem:expand
CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO widgets SELECT g, 'Widget ' || g FROM generate_series(1, 20) g;
-- pgtandem:abort
DROP TABLE widgets;
`;
const LABEL = `-- pgtandem:expand
ALTER TABLE widgets ADD COLUMN label text;
-- pgtandem:migrate
UPDATE widgets SET label = upper(name) WHERE label IS NULL;
-- pgtandem:contract
ALTER TABLE widgets DROP COLUMN name;
-- pgtandem:abort
ALTER TABLE widgets DROP COLUMN label;
`;

interface DevDbStatusJson {
  running: boolean;
  pid?: number;
  port?: number;
  database?: string;
  dataDir: string;
  initialised: boolean;
  postgresVersion?: string;
  sizeBytes: number;
  staleRemoved: boolean;
}

describe('pgtandem dev-db', () => {
  let project: string;
  let sub: string;
  let dataDir: string;
  // Run from a subfolder: the project is the config's folder, found by walking up.
  const cli = (...args: string[]): Promise<CliRun> => runCli(args, { cwd: sub });
  const devDb = (...args: string[]) => cli('dev-db', ...args);
  const statusJson = async (): Promise<DevDbStatusJson> => {
    const run = await devDb('status', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as DevDbStatusJson;
  };
  const startedUrl = (run: CliRun): string => {
    expect(run.code, run.stderr).toBe(0);
    const match = /^export DATABASE_URL=(postgres:\/\/\S+)\n$/.exec(run.stdout);
    expect(match, run.stdout).not.toBeNull();
    return match![1]!;
  };
  const query = async (url: string, sql: string): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const postmasterPid = (): number => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const killPostmaster = async (): Promise<void> => {
    const pid = postmasterPid();
    process.kill(pid, 'SIGKILL');
    while (isServerProcess(pid, dataDir)) await new Promise((r) => setTimeout(r, 50));
  };

  beforeAll(() => {
    project = tempDir('pgtandem-devdb-');
    sub = join(project, 'app');
    mkdirSync(join(project, 'migrations'));
    mkdirSync(sub);
    writeFileSync(join(project, 'pgtandem.config.json'), `${JSON.stringify({ migrationsDir: 'migrations' })}\n`);
    writeFileSync(join(project, 'migrations', '0001_widgets.sql'), WIDGETS);
    writeFileSync(join(project, 'migrations', '0002_widget_label.sql'), LABEL);
    dataDir = join(project, '.pgtandem', 'dev-db', 'data');
  });

  afterAll(async () => {
    // Even when a step failed: nothing may outlive the tests.
    await runCli(['dev-db', 'stop', '--delete'], { cwd: project });
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      try {
        process.kill(postmasterPid(), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  let url: string;

  it('start creates .pgtandem/ beside the config, prints the URL, and the server outlives the command', async () => {
    const run = await devDb('start');
    url = startedUrl(run);
    expect(run.stderr).toMatch(/created .*\.pgtandem\/dev-db/);
    expect(run.stderr).not.toContain(new URL(url).password);
    expect(readFileSync(join(project, '.pgtandem', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(statSync(join(project, '.pgtandem', 'dev-db', 'dev-db.json')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(sub, '.pgtandem'))).toBe(false);
    // The CLI has exited; the server still answers, on a database named after the project.
    const { rows } = await query(url, 'SELECT current_database() AS db');
    expect(rows[0].db).toMatch(/^pgtandem_devdb_/);
  });

  it('start again says it is running and prints the same URL; url prints it alone', async () => {
    const again = await devDb('start');
    expect(startedUrl(again)).toBe(url);
    expect(again.stderr).toContain('already running');
    const printed = await devDb('url');
    expect(printed).toMatchObject({ code: 0, stdout: `${url}\n` });
  });

  it('status shows it running, its port, data dir, version and size, never the password', async () => {
    const status = await statusJson();
    expect(status).toMatchObject({ running: true, port: Number(new URL(url).port), initialised: true, staleRemoved: false });
    expect(status.postgresVersion).toMatch(/^\d+\.\d+/);
    expect(status.sizeBytes).toBeGreaterThan(1_000_000);
    expect(status.dataDir).toContain(join('.pgtandem', 'dev-db'));
    const pretty = await devDb('status');
    expect(pretty.stdout).toMatch(/^dev-db:\s+running/m);
    expect(pretty.stdout + pretty.stderr).not.toContain(new URL(url).password);
  });

  it('--embedded on the runner commands uses it, so state persists across commands', async () => {
    for (const phase of ['expand', 'migrate']) {
      const run = await cli(phase, '--embedded');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('using the running dev-db');
      expect(run.stdout + run.stderr).not.toContain(new URL(url).password);
    }
    const status = await cli('status', '--embedded', '--format', 'json');
    expect(status.code, status.stderr).toBe(0);
    const states = Object.fromEntries((JSON.parse(status.stdout) as { migrations: { version: string; state: string }[] }).migrations.map((m) => [m.version, m.state]));
    expect(states['0002']).toBe('migrated');
    const { rows } = await query(url, "SELECT count(*)::int AS n FROM widgets WHERE label = upper(name)");
    expect(rows[0].n).toBe(20);
  });

  it('stop shuts it down (connections refused), keeps the data, and is idempotent; url then exits 1', async () => {
    const stop = await devDb('stop');
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('stopped');
    await expect(query(url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(await devDb('stop')).toMatchObject({ code: 0, stdout: expect.stringContaining('not running') });
    const printed = await devDb('url');
    expect(printed.code).toBe(1);
    expect(printed.stdout).toBe('');
    expect(printed.stderr.trim().split('\n')).toHaveLength(1);
    expect((await statusJson()).running).toBe(false);
  });

  it('start again keeps the data; a taken port moves it to a free one', async () => {
    const oldPort = Number(new URL(url).port);
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(oldPort, '127.0.0.1', () => resolve()));
    try {
      const run = await devDb('start');
      const moved = startedUrl(run);
      expect(run.stderr).toContain(`port ${oldPort} is taken`);
      expect(new URL(moved).port).not.toBe(String(oldPort));
      expect(new URL(moved).password).toBe(new URL(url).password);
      url = moved;
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    const { rows } = await query(url, 'SELECT count(*)::int AS n FROM widgets');
    expect(rows[0].n).toBe(20);
    const contract = await cli('contract', '--embedded');
    expect(contract.code, contract.stderr).toBe(0);
  });

  it('a killed server (kill -9) leaves a stale pid file that status and start clean up', async () => {
    await killPostmaster();
    const status = await statusJson();
    expect(status).toMatchObject({ running: false, staleRemoved: true, initialised: true });
    const restarted = await devDb('start');
    expect(startedUrl(restarted)).toBe(url);

    // Killed again, start alone recovers (crash recovery replays the WAL).
    await killPostmaster();
    const again = await devDb('start');
    expect(startedUrl(again)).toBe(url);
    expect(again.stderr).toContain('stale postmaster.pid');
    const { rows } = await query(url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'name'");
    expect(rows[0].n).toBe(0);
    expect((await statusJson()).running).toBe(true);
  });

  it('stop --delete removes the data and leaves nothing running', async () => {
    const pid = postmasterPid();
    const run = await devDb('stop', '--delete');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('deleted');
    expect(existsSync(join(project, '.pgtandem', 'dev-db'))).toBe(false);
    expect(existsSync(join(project, '.pgtandem', '.gitignore'))).toBe(true);
    expect(isServerProcess(pid, dataDir)).toBe(false);
    expect(serverProcesses(dataDir)).toEqual([]);
    expect(await statusJson()).toMatchObject({ running: false, initialised: false });
    expect((await devDb('stop', '--delete')).code).toBe(0);
  });
});
