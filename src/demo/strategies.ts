import type { Phase } from '../migrations/phase.js';
import type { Fleet } from './fleet.js';

export const STRATEGIES = ['rolling', 'canary', 'blue-green', 'flag', 'recreate'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** What a strategy's script drives: the fleet, the runner's phases, the stages of the timeline. */
export interface DemoDeploy {
  fleet: Fleet;
  size: number;
  /** Whether the demo database has pg_stat_statements, so the usage gate can watch. */
  usageGate: boolean;
  /** The canary misbehaves (`--fail-canary`, canary only). */
  failCanary: boolean;
  say(line?: string): void;
  /** Serves traffic for a while (shortened in quick runs). */
  serve(ms: number): Promise<void>;
  stage(name: string, what: () => Promise<void>): Promise<void>;
  /** Runs a phase; contract's refusal by a guard comes back as its message instead of failing the demo. */
  phase(name: Phase, options?: { oldRelease?: string; force?: boolean }): Promise<string | undefined>;
}

export interface StrategyScript {
  title: string;
  /** The guard that keeps contract from breaking the old code, in a line. */
  guard: string;
  run(deploy: DemoDeploy): Promise<void>;
}

const OLD = 'shop@v1%';

/** Each deploy strategy as the demo plays it: the same three migrations, a different moment when v1 is gone. */
export const STRATEGY_SCRIPTS: Record<Strategy, StrategyScript> = {
  rolling: {
    title: 'a rolling deploy: instances replaced a few at a time',
    guard: 'contract waits for the last v1 session (--old-release shop@v1%) and for no statement to use users.name (usage gate)',
    async run(d) {
      await d.stage('expand (v1 still live)', () => mustRun(d.phase('expand')));
      await d.stage(`rolling: 3 of ${d.size} instances on v2`, () => rollAndServe(d, 3, 1500));
      await d.stage('migrate: batched backfill (v1 and v2 live)', () => mustRun(d.phase('migrate')));
      await d.stage(`rolling: 6 of ${d.size} instances on v2`, () => rollAndServe(d, 6, 1000));
      await d.stage(`rolled out: v1 drained, ${d.size} of ${d.size} on v2`, () => rollAndServe(d, d.size, 1000));
      await d.stage('contract (only v2 live)', () => mustRun(d.phase('contract', { oldRelease: OLD })));
      await d.stage('v2 live after contract', () => d.serve(1500));
    },
  },
  canary: {
    title: 'a canary deploy: one instance first, then the rest',
    guard: 'contract waits for the last v1 session (--old-release shop@v1%) and for no statement to use users.name (usage gate)',
    async run(d) {
      await d.stage('expand (v1 still live)', () => mustRun(d.phase('expand')));
      await d.stage(`canary: 1 of ${d.size} instances on v2`, () => rollAndServe(d, 1, 2000));
      if (d.failCanary) {
        const v2 = d.fleet.requests.filter((r) => r.release === 'v2');
        d.say(`    the canary fails ${v2.filter((r) => r.error).length} of ${v2.length} requests: roll v2 back`);
        await d.stage('rollback: every instance back on v1', () => d.fleet.roll('v1', d.size));
        await d.stage('abort (v1 live)', () => mustRun(d.phase('abort')));
        await d.stage('v1 live after abort', () => d.serve(1500));
        return;
      }
      await d.stage(`canary: 4 of ${d.size} instances on v2`, () => rollAndServe(d, 4, 1500));
      await d.stage('migrate: batched backfill (v1 and v2 live)', () => mustRun(d.phase('migrate')));
      await d.stage(`roll out: v1 drains, ${d.size} of ${d.size} on v2`, () => rollAndServe(d, d.size, 1000));
      await d.stage('contract (only v2 live)', () => mustRun(d.phase('contract', { oldRelease: OLD })));
      await d.stage('v2 live after contract', () => d.serve(1500));
    },
  },
  'blue-green': {
    title: 'a blue-green deploy: green starts beside blue, traffic flips, blue stays warm as the rollback',
    guard: "contract waits until blue is torn down (its idle pool counts: --old-release shop@v1%) and for no statement to use users.name (usage gate); the sync trigger runs both ways until then",
    async run(d) {
      await d.stage('expand (blue = v1 live)', () => mustRun(d.phase('expand')));
      await d.stage(`green (v2) started beside blue: ${d.size} idle instances`, async () => {
        await d.fleet.start(d.size, 'v2', true);
        await d.serve(1000);
      });
      await d.stage('migrate: batched backfill (blue serves)', () => mustRun(d.phase('migrate')));
      await d.stage('flip: green serves, blue warm and idle', async () => {
        d.fleet.serveOnly('v2');
        await d.serve(1500);
      });
      await d.stage('contract while blue is warm: refused', async () => refused(d, await d.phase('contract', { oldRelease: OLD })));
      await d.stage('blue torn down', async () => {
        await d.fleet.retireAll('v1');
        await d.serve(1000);
      });
      await d.stage('contract (blue gone)', () => mustRun(d.phase('contract', { oldRelease: OLD })));
      await d.stage('green live after contract', () => d.serve(1500));
    },
  },
  flag: {
    title: 'a feature flag: one binary holds both code paths and the flag picks one per request',
    guard: 'application_name cannot tell the flag at 0% from 100%: contract waits for no statement to use users.name (usage gate)',
    async run(d) {
      await d.stage('expand (v1 binary live)', () => mustRun(d.phase('expand')));
      await d.stage('deploy the binary with both paths, flag at 0%', () => rollAndServe(d, d.size, 1000, 'flagged'));
      await d.stage('migrate: batched backfill (flag 0%)', () => mustRun(d.phase('migrate')));
      for (const share of [0.1, 0.5]) {
        await d.stage(`flag at ${share * 100}%: both paths serve`, async () => {
          d.fleet.flagShare = share;
          await d.serve(1500);
        });
      }
      if (d.usageGate) {
        await d.stage('contract at flag 50%: refused by the usage gate', async () => refused(d, await d.phase('contract')));
      } else {
        d.say('    (this server has no pg_stat_statements: the usage gate cannot watch, so contract waits for the flag on trust)');
      }
      await d.stage('flag at 100%: only the new path', async () => {
        d.fleet.flagShare = 1;
        await d.serve(1000);
      });
      await d.stage('contract (old path unused)', () => mustRun(d.phase('contract')));
      await d.stage('new path live after contract', () => d.serve(1500));
    },
  },
  recreate: {
    title: 'a recreate deploy: stop v1, change the schema, start v2',
    guard: 'nothing of v1 runs while the schema changes: expand, migrate and contract run back to back (contract --force says so); lint still watches the locks, which are the downtime',
    async run(d) {
      await d.stage('stop v1 (downtime begins)', () => d.fleet.retireAll('v1'));
      await d.stage('expand', () => mustRun(d.phase('expand')));
      await d.stage('migrate: batched backfill', () => mustRun(d.phase('migrate')));
      await d.stage('contract (nothing running)', () => mustRun(d.phase('contract', { force: true })));
      await d.stage(`start v2: ${d.size} instances (downtime ends)`, () => d.fleet.start(d.size, 'v2'));
      await d.stage('v2 live', () => d.serve(1500));
    },
  },
};

async function rollAndServe(d: DemoDeploy, count: number, ms: number, binary: 'v2' | 'flagged' = 'v2'): Promise<void> {
  await d.fleet.roll(binary, count);
  await d.serve(ms);
}

async function mustRun(phase: Promise<string | undefined>): Promise<void> {
  const refusal = await phase;
  if (refusal !== undefined) throw new Error(refusal);
}

function refused(d: DemoDeploy, refusal: string | undefined): void {
  if (refusal === undefined) throw new Error('contract was expected to be refused, and ran');
  d.say(refusal.replace(/^/gm, '    '));
}
