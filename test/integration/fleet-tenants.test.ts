import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli, startCli } from '../support/runner-cli.js';
import { tempProject } from '../support/temp-dir.js';

const TENANTS = 200;
const tenant = (i: number): string => `tenant_${String(i).padStart(3, '0')}`;

const MIGRATIONS = {
  'db/0001_users_email.sql': `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email text;

-- pgtandem:migrate
UPDATE users SET email = name || '@example.test' WHERE email IS NULL;

-- pgtandem:contract
ALTER TABLE users DROP COLUMN legacy;

-- pgtandem:abort
ALTER TABLE users DROP COLUMN email;
`,
};

/**
 * Schema-per-tenant: 200 tenant schemas on one server, rolled in waves. Each
 * tenant keeps its own state (tables in its schema), every statement and
 * backfill batch runs with search_path set to it, and the fleet never holds
 * more than perServer connections (sampled from pg_stat_activity).
 */
describe('fleet of tenant schemas', () => {
  let db: TestDatabase;
  let dir: string;
  const env = (): NodeJS.ProcessEnv => ({ TENANTS_URL: db.url });

  beforeAll(async () => {
    db = await createTestDatabase('fleet_tenants');
    const ddl: string[] = [];
    for (let i = 1; i <= TENANTS; i += 1) {
      ddl.push(`CREATE SCHEMA ${tenant(i)}; CREATE TABLE ${tenant(i)}.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, legacy text);
        INSERT INTO ${tenant(i)}.users (name) SELECT '${tenant(i)}-' || g FROM generate_series(1, 30) g;`);
    }
    // A table in public with the tenants' table name: an unqualified statement must never reach it.
    ddl.push('CREATE TABLE public.users (id int PRIMARY KEY, name text, legacy text); INSERT INTO public.users VALUES (1, \'public\', NULL);');
    await db.client.query(ddl.join('\n'));
    dir = tempProject('pgtandem-fleet-', {
      ...MIGRATIONS,
      'pgtandem.config.json': JSON.stringify({ migrationsDir: 'db', usageGate: 'off' }),
      'pgtandem.fleet.json': JSON.stringify({
        targets: [{ schemas: 'tenant_*', urlEnv: 'TENANTS_URL', exclude: ['tenant_2??'] }, { name: 'vip', urlEnv: 'TENANTS_URL', schema: 'tenant_200', labels: ['canary'] }],
        waves: ['label:canary', '5%', '100%'],
        concurrency: { total: 8, perServer: 4 },
      }),
    });
  }, 180_000);

  afterAll(async () => {
    await db?.drop();
  });

  async function columns(schema: string): Promise<string[]> {
    const { rows } = await db.client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'users' ORDER BY ordinal_position`, [schema]);
    return rows.map((r) => r.column_name);
  }

  it('lists the fleet and its waves in a dry run, changing nothing', async () => {
    const run = await runCli(['expand', '--fleet', 'pgtandem.fleet.json', '--waves', 'all', '--dry-run', '--format', 'json'], { cwd: dir, env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { waves: { select: string; targets: { name: string }[] }[] };
    // tenant_200 is excluded from the pattern and listed by name as "vip": 199 + 1 targets.
    expect(plan.waves.map((w) => [w.select, w.targets.length])).toEqual([
      ['label:canary', 1],
      ['5%', 9],
      ['100%', 190],
    ]);
    expect(plan.waves[0]!.targets[0]!.name).toBe('vip');
    expect(await columns('tenant_001')).toEqual(['id', 'name', 'legacy']);
  });

  it('expands the canary wave only, then waits to be asked for the next', async () => {
    const first = await runCli(['expand', '--fleet', 'pgtandem.fleet.json'], { cwd: dir, env: env() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/✓ vip \(.*schema tenant_200\) 1 migration/);
    expect(await columns('tenant_200')).toEqual(['id', 'name', 'legacy', 'email']);
    expect(await columns('tenant_001')).toEqual(['id', 'name', 'legacy']);
    expect(await columns('public')).toEqual(['id', 'name', 'legacy']);
    // The state is the tenant's own: in its schema, with no pgtandem schema created anywhere.
    const { rows } = await db.client.query(`SELECT state FROM tenant_200.pgtandem_migrations`);
    expect(rows).toEqual([{ state: 'expanded' }]);
    expect((await db.client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'pgtandem'`)).rowCount).toBe(0);

    const again = await runCli(['expand', '--fleet', 'pgtandem.fleet.json'], { cwd: dir, env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('the next wave is 2 (5%, 9 targets)');
    expect(again.stdout).toContain('--wave next');
    expect(await columns('tenant_001')).toEqual(['id', 'name', 'legacy']);
  });

  it('rolls the rest with at most perServer connections, each tenant exactly once', async () => {
    const peak = { connections: 0 };
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    let watching = true;
    const sampling = (async () => {
      while (watching) {
        const { rows } = await watcher.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'pgtandem %'`);
        peak.connections = Math.max(peak.connections, rows[0]!.n);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const run = await runCli(['expand', '--fleet', 'pgtandem.fleet.json', '--waves', 'all', '--format', 'json'], { cwd: dir, env: env() });
    watching = false;
    await sampling;
    await watcher.end();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { summary: Record<string, number> };
    expect(result.summary).toEqual({ targets: 200, ok: 199, failed: 0, skipped: 1, interrupted: 0, notReached: 0 });
    expect(peak.connections).toBeGreaterThan(1);
    expect(peak.connections).toBeLessThanOrEqual(4);
    for (const i of [1, 57, 199]) expect(await columns(tenant(i))).toEqual(['id', 'name', 'legacy', 'email']);
  }, 180_000);

  it('backfills each tenant in its own schema and contracts them all', async () => {
    const migrate = await runCli(['migrate', '--fleet', 'pgtandem.fleet.json', '--waves', 'all'], { cwd: dir, env: env() });
    expect(migrate.code, migrate.stderr).toBe(0);
    const { rows } = await db.client.query<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM tenant_042.users WHERE email IS DISTINCT FROM name || '@example.test' OR name NOT LIKE 'tenant_042-%'`,
    );
    expect(rows[0]!.bad).toBe(0);
    expect((await db.client.query(`SELECT * FROM public.users`)).rows).toEqual([{ id: 1, name: 'public', legacy: null }]);

    // An old-release session on the database blocks every tenant in it: contract refuses the whole selection, changing nothing.
    const v1 = new pg.Client({ connectionString: db.url, application_name: 'shop-v1 web' });
    await v1.connect();
    const refused = await runCli(['contract', '--fleet', 'pgtandem.fleet.json', '--waves', 'all', '--old-release', 'shop-v1%'], { cwd: dir, env: env() });
    await v1.end();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to contract 200 targets: 1 blocks it[\s\S]*vip, tenant_001, tenant_002 and 197 more \(one database, [^)]*\): .*shop-v1 web/);
    expect(await columns('tenant_123')).toContain('legacy');

    const contract = await runCli(['contract', '--fleet', 'pgtandem.fleet.json', '--waves', 'all', '--old-release', 'shop-v1%'], { cwd: dir, env: env() });
    expect(contract.code, contract.stderr).toBe(0);
    expect(await columns('tenant_123')).toEqual(['id', 'name', 'email']);
    expect(await columns('public')).toEqual(['id', 'name', 'legacy']);

    const status = await runCli(['status', '--fleet', 'pgtandem.fleet.json', '--format', 'json'], { cwd: dir, env: env() });
    const report = JSON.parse(status.stdout) as { waves: { stages: Record<string, number> }[] };
    expect(report.waves.map((w) => w.stages.contracted)).toEqual([1, 9, 190]);
  }, 180_000);

  it('refuses contract for a selection while a target is not migrated, naming it', async () => {
    writeFileSync(
      join(dir, 'db/0002_users_nickname.sql'),
      `-- pgtandem:expand\nALTER TABLE users ADD COLUMN nickname text;\n\n-- pgtandem:contract\nALTER TABLE users DROP COLUMN name;\n\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN nickname;\n`,
    );
    await runCli(['expand', '--fleet', 'pgtandem.fleet.json', '--targets', 'vip,tenant_001'], { cwd: dir, env: env() });
    await runCli(['migrate', '--fleet', 'pgtandem.fleet.json', '--targets', 'vip'], { cwd: dir, env: env() });
    const refused = await runCli(['contract', '--fleet', 'pgtandem.fleet.json', '--targets', 'vip,tenant_001'], { cwd: dir, env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to contract 2 targets: 1 blocks it');
    expect(refused.stderr).toContain('tenant_001: not migrated yet (0002 expanded)');
    expect(await columns('tenant_200')).toContain('name');

    // Abort undoes the expanded targets, newest wave first; the others have nothing to do.
    const abort = await runCli(['abort', '--fleet', 'pgtandem.fleet.json', '--format', 'json'], { cwd: dir, env: env() });
    expect(abort.code, abort.stderr).toBe(0);
    const result = JSON.parse(abort.stdout) as { waves: { wave: number; targets: { name: string; result: string }[] }[] };
    expect(result.waves.map((w) => w.wave)).toEqual([3, 2, 1]);
    expect(result.waves.flatMap((w) => w.targets.filter((t) => t.result === 'ok').map((t) => t.name)).sort()).toEqual(['tenant_001', 'vip']);
    expect(await columns('tenant_001')).toEqual(['id', 'name', 'email']);
  }, 180_000);

  it('stops a wave at maxFailures and finishes it on rerun, each target once', async () => {
    // A tenant whose table is missing fails its expand; the wave stops taking targets after the first failure.
    await db.client.query('ALTER TABLE tenant_003.users RENAME TO customers');
    writeFileSync(join(dir, 'db/0003_users_note.sql'), `-- pgtandem:expand\nALTER TABLE users ADD COLUMN note text;\n\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN note;\n`);
    writeFileSync(join(dir, 'one-at-a-time.json'), JSON.stringify({ targets: { schemas: 'tenant_00?', urlEnv: 'TENANTS_URL' }, concurrency: 1 }));
    const failed = await runCli(['expand', '--fleet', 'one-at-a-time.json', '--to', '0003'], { cwd: dir, env: env() });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/tenant_003 \(.*\): .*relation "users" does not exist/);
    expect(failed.stdout).toMatch(/NOT REACHED[\s\S]*\(100%\)\s+9\s+2\s+1\s+0\s+0\s+6/);
    await db.client.query('ALTER TABLE tenant_003.customers RENAME TO users');
    const rerun = await runCli(['expand', '--fleet', 'one-at-a-time.json', '--format', 'json'], { cwd: dir, env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout) as { summary: Record<string, number> };
    // The two done before are skipped; tenant_003 and the six never reached run now.
    expect(result.summary).toMatchObject({ ok: 7, skipped: 2, failed: 0 });
  }, 180_000);

  it('bad input: unknown wave, a selector with no target, a pattern that matches nothing, a fleet file off its schema', async () => {
    const cases: [string, string[], RegExp][] = [
      ['pgtandem.fleet.json', ['--wave', '9'], /--wave: no wave "9"/],
      ['labels.json', [], /labels\.json: waves\[0\]: "label:eu" matches no target/],
      ['nothing.json', [], /nothing\.json: targets: "shard_\*" matches no schema on/],
      ['typo.json', [], /typo\.json: targets\[0\]: unknown setting "shema"/],
      ['dupes.json', [], /dupes\.json: targets\[1\]\.name: duplicate target name "a"/],
    ];
    writeFileSync(join(dir, 'labels.json'), JSON.stringify({ targets: { schemas: 'tenant_00*', urlEnv: 'TENANTS_URL' }, waves: ['label:eu', '100%'] }));
    writeFileSync(join(dir, 'nothing.json'), JSON.stringify({ targets: { schemas: 'shard_*', urlEnv: 'TENANTS_URL' } }));
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ targets: [{ name: 'a', urlEnv: 'TENANTS_URL', shema: 'x' }] }));
    writeFileSync(join(dir, 'dupes.json'), JSON.stringify({ targets: [{ name: 'a', urlEnv: 'TENANTS_URL' }, { name: 'a', urlEnv: 'TENANTS_URL' }] }));
    for (const [file, flags, message] of cases) {
      const run = await runCli(['expand', '--fleet', file, ...flags], { cwd: dir, env: env() });
      expect(run.code, file).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain(db.url);
    }
  });

  it('Ctrl-C mid-wave: running targets end cleanly, a rerun finishes the rest', async () => {
    writeFileSync(join(dir, 'db/0004_users_flag.sql'), `-- pgtandem:expand\nALTER TABLE users ADD COLUMN flag boolean;\n\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN flag;\n`);
    // One target at a time: the signal lands while one runs and others wait.
    const { child, done } = startCli(['expand', '--fleet', 'one-at-a-time.json'], { cwd: dir, env: env() });
    await new Promise<void>((resolve) => child.stdout!.on('data', (chunk: Buffer) => /✓ tenant_00[0-9]/.test(chunk.toString()) && resolve()));
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('SIGINT');
    expect(stopped.stdout).toMatch(/NOT REACHED[\s\S]*\(100%\)\s+9\s/);
    const flagged = async (): Promise<number> =>
      (await db.client.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'flag' AND table_schema LIKE 'tenant\\_00_'`)).rows[0]!.n;
    const before = await flagged();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(9);
    const rerun = await runCli(['expand', '--fleet', 'one-at-a-time.json', '--format', 'json'], { cwd: dir, env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    // Each tenant once: those done before the signal have nothing left to do.
    expect((JSON.parse(rerun.stdout) as { summary: Record<string, number> }).summary).toMatchObject({ ok: 9 - before, skipped: before, failed: 0 });
    expect(await flagged()).toBe(9);
  }, 180_000);
});
