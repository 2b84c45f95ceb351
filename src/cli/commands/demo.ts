import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { Fleet } from '../../demo/fleet.js';
import { PgtandemError, UsageError } from '../../errors.js';
import { STRATEGIES, STRATEGY_SCRIPTS, type Strategy } from '../../demo/strategies.js';
import { statsAccess } from '../../runner/statement-stats.js';
import { openShadowServer, type ShadowServer } from '../../verify/shadow.js';
import { lint } from '../../lint/lint.js';
import type { Phase } from '../../migrations/phase.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { demoFailure } from '../demo-failure.js';
import { formatTimeline, type Stage } from '../demo-timeline.js';
import { phaseCommand } from './run-phase.js';

export interface DemoCommandOptions {
  /** A fleet of tenant schemas instead of one database (src/cli/commands/demo-fleet.ts). */
  fleet?: boolean;
  failCanary?: boolean;
  /** rolling | canary (default) | blue-green | flag | recreate */
  strategy?: string;
  /** A server where the demo may create (and then drop) a scratch database; default: an embedded PostgreSQL. */
  databaseUrl?: string;
}

/** Migrations 0001–0003 are the app's history; 0004–0006 are the release being deployed. */
const HISTORY_TO = '0003';
const FLEET_SIZE = 8;
/** The embedded server loads pg_stat_statements, so contract's usage gate has something to watch. */
const SERVER_FLAGS = ['-c', 'shared_preload_libraries=pg_stat_statements'];

/**
 * `pgtandem demo`: a deploy of migrations-example's pending migrations on a
 * throwaway PostgreSQL while a simulated v1/v2 fleet serves traffic — lint,
 * expand, the strategy's stages (a canary by default; rolling, blue-green, a
 * feature flag, recreate), migrate, contract once its guards hold (or, with
 * --fail-canary, a rollback and abort) — then a timeline with the errors
 * each release saw at each stage. Cleans up after itself.
 * PGTANDEM_DEMO_QUICK=1 shortens every pause (the tests run it so).
 */
export async function demoCommand(options: DemoCommandOptions, io: CliIO): Promise<number> {
  if (options.fleet) {
    if (options.strategy !== undefined || options.failCanary) throw new UsageError(`--fleet and ${options.strategy !== undefined ? '--strategy' : '--fail-canary'}: the fleet demo plays its own rollout (a canary wave, a failed tenant, the rest)`);
    const { demoFleetCommand } = await import('./demo-fleet.js');
    return demoFleetCommand(options, io);
  }
  const strategy = (options.strategy ?? 'canary') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy: expected one of ${STRATEGIES.join(', ')}, got "${options.strategy}"`);
  if (options.failCanary && strategy !== 'canary') throw new UsageError('--fail-canary goes with --strategy canary');
  const script = STRATEGY_SCRIPTS[strategy];
  const quick = io.env.PGTANDEM_DEMO_QUICK === '1';
  const say = (line = ''): void => io.stdout(`${line}\n`);
  const work = mkdtempSync(join(tmpdir(), 'pgtandem-demo-'));
  const dir = join(work, 'migrations');
  cpSync(exampleMigrations(), dir, { recursive: true });

  say(`pgtandem demo: ${script.title}, of three schema changes while eight app instances serve traffic.`);
  let server: ShadowServer | undefined;
  const fleet: { current?: Fleet } = {};
  try {
    if (!options.databaseUrl) say('Starting a throwaway PostgreSQL (embedded, removed at the end)…');
    // A scratch database on the given server, or on an embedded one; both are removed at the end.
    server = await openShadowServer(options.databaseUrl, 'demo', SERVER_FLAGS);
    const database = await server.createDatabase();
    const url = database.url;
    const usageGate = await enableStatStatements(database.connection.client);
    const quiet: CliIO = { ...io, stdout: () => {}, stderr: () => {}, cwd: work };
    const runner: CliIO = { ...io, cwd: work, stdout: (text) => io.stdout(text.replace(/^/gm, '    ').replace(/ {4}$/, '')) };
    const phase = async (name: Phase, target: CliIO, extra: Record<string, unknown> = {}): Promise<string | undefined> => {
      try {
        const code = await phaseCommand(name, { databaseUrl: url, dir, lockWait: '30s', usageWindow: quick ? '1s' : '2s', ...extra }, target);
        if (code !== EXIT.ok) throw new Error(`${name} exited ${code}`);
        return undefined;
      } catch (error) {
        if (error instanceof PgtandemError && error.code === 'CONTRACT_BLOCKED') return error.message;
        throw error;
      }
    };

    say(`Applying the app's history (migrations up to ${HISTORY_TO}) and ${quick ? '2,000 users with 4,000' : '20,000 users with 40,000'} orders…`);
    for (const name of ['expand', 'migrate', 'contract'] as const) await phase(name, quiet, { to: HISTORY_TO, force: true });
    await seed(database.connection.client, quick ? 2_000 : 20_000);

    const stages: Stage[] = [];
    const current = new Fleet(url, options.failCanary ? 0.3 : 0, quick ? 2_000 : 20_000, quick ? 12 : 4);
    fleet.current = current;
    const stage = async (name: string, what: () => Promise<void>): Promise<void> => {
      const started = Date.now();
      say(`\n▸ ${name}`);
      await what();
      stages.push({ name, started, ended: Date.now(), v2Share: current.count('v2') / FLEET_SIZE });
    };
    const serve = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, quick ? ms * 0.3 : ms));

    await current.start(FLEET_SIZE, 'v1');
    await stage('v1 live (baseline)', () => serve(1500));
    await stage('lint the release', async () => {
      const result = await lint({ paths: [dir], configFile: false });
      const pending = result.findings.filter((f) => versionOf(f.file) > HISTORY_TO);
      say(`    ${readdirSync(dir).filter((f) => versionOf(f) > HISTORY_TO).length} pending migrations: ${pending.filter((f) => f.severity === 'error').length} errors, ${pending.filter((f) => f.severity === 'warn').length} warnings`);
    });
    await script.run({
      fleet: current,
      size: FLEET_SIZE,
      usageGate,
      failCanary: options.failCanary === true,
      say,
      serve,
      stage,
      phase: (name, extra = {}) => phase(name, runner, extra),
    });
    await current.stop();
    say('');
    say(formatTimeline(stages, current.requests));
    if (strategy === 'flag') say('(flag: v1 and v2 are the old and the new code path of the one binary)');
    say(`Guard: ${script.guard}.`);
    const databaseErrors = current.requests.filter((r) => r.error?.kind === 'database').length;
    say(
      databaseErrors === 0
        ? `No request failed because of the schema change (${current.requests.length.toLocaleString('en-US')} requests).`
        : `${databaseErrors} requests failed because of the schema change.`,
    );
    return EXIT.ok;
  } catch (error) {
    throw demoFailure(error, options.databaseUrl, server);
  } finally {
    await fleet.current?.stop().catch(() => {});
    await server?.close().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  }
}

/** Creates pg_stat_statements in the demo database where the server has it loaded; whether the usage gate can watch. */
async function enableStatStatements(client: pg.ClientBase): Promise<boolean> {
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => {});
  return (await statsAccess(client)).available;
}

/** migrations-example ships in the package next to dist/ (two or three levels up from this module). */
function exampleMigrations(): string {
  for (const up of ['../../../migrations-example', '../../../../migrations-example']) {
    const path = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(path, '0001_initial_schema.sql'))) return path;
  }
  throw new UsageError('migrations-example is missing from this installation of pgtandem');
}

function versionOf(path: string): string {
  return /(\d{4})_[^/]*$/.exec(path)?.[1] ?? '';
}

async function seed(client: pg.ClientBase, users: number): Promise<void> {
  await client.query(`
    INSERT INTO products (sku, title, price_cents) SELECT 'sku-' || g, 'Product ' || g, 100 + g FROM generate_series(1, 50) g;
    INSERT INTO users (email, name) SELECT 'user' || g || '@shop.test', 'Customer ' || g FROM generate_series(1, ${users}) g;
    INSERT INTO orders (user_id, product_id, total_cents) SELECT 1 + g % ${users}, 1 + g % 50, 100 + g % 900 FROM generate_series(1, ${users * 2}) g;
    ANALYZE users; ANALYZE orders;`);
}
