// A fleet of tenant schemas through expand → migrate → contract with the CLI
// (`pgtandem <phase> --fleet … --waves all`), on a throwaway embedded server:
//   npm run bench:fleet [-- --tenants 1000 --concurrency 8 --rows 100]
// Prints, per phase, the wall time, targets per second and the peak number of
// pgtandem connections seen in pg_stat_activity (sampled every 5 ms), which
// must never pass the concurrency. Each tenant has one table of --rows rows;
// the change adds a column, backfills it and drops the old one.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedServer } from '../rollout/embedded-server.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const tenants = flag('tenants', 1000);
const concurrency = flag('concurrency', 8);
const rows = flag('rows', 100);

const MIGRATION = `-- pgtandem:expand
ALTER TABLE users ADD COLUMN email text;

-- pgtandem:migrate
UPDATE users SET email = name || '@example.test' WHERE email IS NULL;

-- pgtandem:contract
ALTER TABLE users DROP COLUMN legacy;

-- pgtandem:abort
ALTER TABLE users DROP COLUMN email;
`;

function runCli(args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'bin/pgtandem.js'), ...args], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const server = await startEmbeddedServer();
const project = mkdtempSync(join(tmpdir(), 'pgtandem-bench-fleet-'));
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const started = Date.now();
  for (let from = 1; from <= tenants; from += 100) {
    const ddl = [];
    for (let i = from; i < Math.min(from + 100, tenants + 1); i += 1) {
      const schema = `tenant_${String(i).padStart(5, '0')}`;
      ddl.push(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, legacy text);
        INSERT INTO ${schema}.users (name) SELECT 'user-' || g FROM generate_series(1, ${rows}) g;`);
    }
    await admin.query(ddl.join('\n'));
  }
  console.log(`${tenants} tenant schemas of ${rows} rows each, made in ${((Date.now() - started) / 1000).toFixed(1)} s; concurrency ${concurrency}; ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}`);
  mkdirSync(join(project, 'db'));
  writeFileSync(join(project, 'db/0001_users_email.sql'), MIGRATION);
  writeFileSync(join(project, 'pgtandem.config.json'), JSON.stringify({ migrationsDir: 'db', usageGate: 'off', tenantSchemas: true }));
  writeFileSync(join(project, 'fleet.json'), JSON.stringify({ targets: { schemas: 'tenant_*', urlEnv: 'FLEET_URL' }, concurrency }));

  const results = [];
  for (const phase of ['expand', 'migrate', 'contract']) {
    let peak = 0;
    let watching = true;
    const sampling = (async () => {
      while (watching) {
        const { rows: r } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'pgtandem %'`);
        peak = Math.max(peak, r[0].n);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const t0 = Date.now();
    const run = await runCli([phase, '--fleet', 'fleet.json', '--waves', 'all', '--format', 'json'], project, { FLEET_URL: server.url });
    const ms = Date.now() - t0;
    watching = false;
    await sampling;
    if (run.code !== 0) throw new Error(`${phase} failed (exit ${run.code}): ${run.stderr || run.stdout.slice(0, 2000)}`);
    const summary = JSON.parse(run.stdout).summary;
    if (summary.ok !== tenants) throw new Error(`${phase}: ${JSON.stringify(summary)}`);
    results.push({ phase, ms, perSecond: tenants / (ms / 1000), peak });
  }
  const { rows: check } = await admin.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email' AND table_schema LIKE 'tenant\\_%'`);
  await admin.end();
  console.log('phase     time      targets/s  peak connections');
  for (const r of results) console.log(`${r.phase.padEnd(9)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ${r.perSecond.toFixed(1).padStart(9)}  ${String(r.peak).padStart(5)} (limit ${concurrency})`);
  const total = results.reduce((s, r) => s + r.ms, 0);
  console.log(`all three ${(total / 1000).toFixed(1)} s: ${((3 * tenants) / (total / 1000)).toFixed(1)} target-phases/s; ${check[0].n} of ${tenants} tenants have the new column`);
  if (results.some((r) => r.peak > concurrency)) process.exitCode = 1;
} finally {
  rmSync(project, { recursive: true, force: true });
  await server.stop();
}
