import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Connection } from '../../db/connect.js';
import {
  BROKEN_TENANT,
  CANARY_TENANT,
  CONCURRENCY,
  CONFIG,
  CUSTOMER_TENANTS,
  FIX_TENANT,
  FLEET_FILE,
  MIGRATION,
  OLD_RELEASE,
  createTenants,
  schemaOf,
} from '../../demo/tenant-fleet.js';
import { PgtandemError } from '../../errors.js';
import { lint } from '../../lint/lint.js';
import type { Phase } from '../../migrations/phase.js';
import { openShadowServer, type ShadowServer } from '../../verify/shadow.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { demoFailure } from '../demo-failure.js';
import { fleetPhaseCommand } from './fleet.js';
import { fleetStatusCommand } from './fleet-status.js';

const FLEET = 'pgtandem.fleet.json';
const STATES = ['pending', 'expanded', 'migrated', 'contracted'] as const;
type Counts = Record<(typeof STATES)[number], number>;

/** A step of the fleet demo: the command's exit code and where the tenants stood after it. */
interface Step {
  name: string;
  started: number;
  ended: number;
  exit: number | 'refused' | '';
  counts: Counts;
}

/**
 * `pgtandem demo --fleet`: one schema change rolled across twelve tenant
 * schemas on a throwaway PostgreSQL, through the fleet commands themselves
 * (`expand|migrate|contract|status --fleet`): the canary tenant, a wave that
 * waits to be asked for, a wave stopped by a tenant someone altered by hand,
 * the fix and the rerun that finishes it, the backfill in every tenant, and
 * contract refused while the old release is connected, then run. Ends with a
 * timeline of where the tenants stood after each step. Cleans up after itself.
 */
export async function demoFleetCommand(options: { databaseUrl?: string }, io: CliIO): Promise<number> {
  const quick = io.env.PGTANDEM_DEMO_QUICK === '1';
  const say = (line = ''): void => io.stdout(`${line}\n`);
  const indent = (text: string): void => io.stdout(text.replace(/^(?=.)/gm, '    '));
  const work = mkdtempSync(join(tmpdir(), 'pgtandem-demo-fleet-'));
  mkdirSync(join(work, CONFIG.migrationsDir));
  writeFileSync(join(work, CONFIG.migrationsDir, MIGRATION.file), MIGRATION.text);
  writeFileSync(join(work, 'pgtandem.config.json'), `${JSON.stringify(CONFIG, null, 2)}\n`);
  writeFileSync(join(work, FLEET), FLEET_FILE);
  const tenants = 1 + CUSTOMER_TENANTS.length;

  say(`pgtandem demo --fleet: one schema change rolled across ${tenants} tenant schemas in waves (canary, 25%, 100%).`);
  let server: ShadowServer | undefined;
  let v1: Connection | undefined;
  try {
    if (!options.databaseUrl) say('Starting a throwaway PostgreSQL (embedded, removed at the end)…');
    server = await openShadowServer(options.databaseUrl, 'demo');
    const database = await server.createDatabase();
    const rows = quick ? 200 : 2_000;
    say(`Creating ${tenants} tenant schemas (tenant_${CANARY_TENANT}, tenant_acme … tenant_umbrella), each with a tasks table of ${rows.toLocaleString('en-US')} rows;`);
    say(`someone once added a status column to tenant_${BROKEN_TENANT}.tasks by hand.`);
    await createTenants(database.connection.client, rows);
    // The old release: one app session that serves every tenant, as contract's guard sees it.
    v1 = await connect(database.url, OLD_RELEASE);
    say(`The app's v1 (application_name ${OLD_RELEASE}) is connected; v2 reads tasks.status instead of tasks.done.`);
    say('');
    say(`${MIGRATION.file}:`);
    indent(MIGRATION.text);
    say(`${FLEET}:`);
    indent(FLEET_FILE);

    const cli: CliIO = { stdout: indent, stderr: indent, env: { ...io.env, TENANTS_URL: database.url }, isTTY: false, cwd: work };
    const quiet: CliIO = { ...cli, stdout: () => {}, stderr: () => {} };
    const counts = async (): Promise<Counts> => {
      let json = '';
      await fleetStatusCommand({ fleet: FLEET, format: 'json', concurrency: String(tenants) }, { ...quiet, stdout: (text) => (json += text) });
      const report = JSON.parse(json) as { waves: { stages: Counts }[] };
      return Object.fromEntries(STATES.map((s) => [s, report.waves.reduce((sum, w) => sum + w.stages[s], 0)])) as Counts;
    };
    const steps: Step[] = [];
    const step = async (name: string, command: string, what: () => Promise<Step['exit']>): Promise<void> => {
      const started = Date.now();
      say(`\n▸ ${name}`);
      if (command) say(`  $ ${command}`);
      const exit = await what();
      steps.push({ name, started, ended: Date.now(), exit, counts: await counts() });
    };
    const phase = (name: Phase, flags: Record<string, string> = {}) => async (): Promise<Step['exit']> => {
      try {
        return await fleetPhaseCommand(name, { fleet: FLEET, lockWait: '30s', ...flags }, cli);
      } catch (error) {
        if (error instanceof PgtandemError && error.code === 'CONTRACT_BLOCKED') {
          indent(`${error.message}\n`);
          return 'refused';
        }
        throw error;
      }
    };
    const command = (name: string, flags = ''): string => `pgtandem ${name} --fleet ${FLEET}${flags ? ` ${flags}` : ''}`;

    await step('lint the release: config tenantSchemas says it runs once per tenant', 'pgtandem lint migrations', async () => {
      const result = await lint({ paths: [join(work, CONFIG.migrationsDir)], cwd: work });
      const errors = result.findings.filter((f) => f.severity === 'error').length;
      indent(`1 migration: ${errors} errors, ${result.findings.length - errors} warnings\n`);
      return '';
    });
    await step('expand, wave 1: the canary tenant', command('expand'), phase('expand'));
    await step('expand again, unasked: the next wave waits for a decision', command('expand'), phase('expand'));
    await step('expand, wave 2 (25%): the canary looked healthy, so ask for the next wave', command('expand', '--wave next'), phase('expand', { wave: 'next' }));
    await step(`expand, wave 3 (100%): tenant_${BROKEN_TENANT} fails, the wave stops at maxFailures 1`, command('expand', '--wave next'), phase('expand', { wave: 'next' }));
    await step('status: where the fleet stands', `pgtandem status --fleet ${FLEET}`, async () => fleetStatusCommand({ fleet: FLEET }, cli));
    await step(`fix tenant_${BROKEN_TENANT} by hand: keep the hot-fix column under another name`, '', async () => {
      indent(`${FIX_TENANT};\n`);
      await database.connection.client.query(FIX_TENANT);
      return '';
    });
    await step('expand again, the fix made: the rerun resumes wave 3, the tenants done before are skipped', command('expand'), phase('expand'));
    await step('migrate, every wave: v2 ships; the backfill runs in each tenant\'s own schema (v1 and v2 live)', command('migrate', '--waves all'), phase('migrate', { waves: 'all' }));
    await step('contract, v1 still connected: refused, nothing changed', command('contract', '--waves all'), phase('contract', { waves: 'all' }));
    await step('v1 drained: its last session disconnects', '', async () => {
      await v1!.close();
      v1 = undefined;
      return '';
    });
    await step('contract, every wave: only v2 live', command('contract', '--waves all'), phase('contract', { waves: 'all' }));

    const contracted = steps.at(-1)!.counts.contracted;
    const { rows: left } = await database.connection.client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema LIKE 'tenant\\_%' AND table_name = 'tasks' AND column_name = 'done'`,
    );
    say('');
    say(formatFleetTimeline(steps));
    say(`${contracted} of ${tenants} tenants contracted; tasks.done is left in ${left[0]!.n} tenant schemas. One wave at a time, one connection per running tenant, at most ${CONCURRENCY} at once.`);
    return EXIT.ok;
  } catch (error) {
    throw demoFailure(error, options.databaseUrl, server);
  } finally {
    await v1?.close().catch(() => {});
    await server?.close().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

/** The closing table: per step, when it ran, its exit code, and how many tenants were at each stage after it. */
function formatFleetTimeline(steps: readonly Step[]): string {
  const start = steps[0]?.started ?? 0;
  const header = ['STEP', 'AT', 'TOOK', 'EXIT', ...STATES.map((s) => s.toUpperCase())];
  const rows = steps.map((s) => [
    s.name.replace(/:.*$/, ''),
    `${((s.started - start) / 1000).toFixed(1)}s`,
    `${((s.ended - s.started) / 1000).toFixed(1)}s`,
    String(s.exit),
    ...STATES.map((state) => String(s.counts[state])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
