import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// `pgtandem demo` against the test server (a scratch database it creates and drops), as README's first
// command runs it against an embedded one. PGTANDEM_DEMO_QUICK shortens its pauses and its data.
// Seven demos run side by side (each a fleet of app connections): on a busy machine one may take a minute or two.
describe('pgtandem demo', { timeout: 180_000 }, () => {
  const serverUrl = inject('databaseUrl');
  const demo = (...args: string[]) => runCli(['demo', ...args], { cwd: tempDir('pgtandem-demo-test-'), env: { PGTANDEM_DEMO_QUICK: '1' } });

  it.concurrent('walks a canary deploy by default: expand, canary, batched migrate, contract once v1 has drained — no request fails', async () => {
    const run = await demo('--database-url', serverUrl);
    expect(run.stderr).not.toContain(new URL(serverUrl).password || '\u0000');
    expect(run.code, run.stderr).toBe(0);
    for (const stage of ['expand (v1 still live)', 'canary: 1 of 8 instances on v2', 'migrate: batched backfill', 'contract (only v2 live)']) {
      expect(run.stdout).toContain(stage);
    }
    expect(run.stdout).toContain('3 pending migrations: 0 errors');
    expect(run.stdout).toMatch(/backfill public\.users: [\d,]+ rows changed in \d+ batches, done/);
    expect(run.stdout).toContain('Guard: contract waits for the last v1 session');
    expect(run.stdout).toMatch(/No request failed because of the schema change \([\d,]+ requests\)/);
  });

  it.concurrent('with --fail-canary, rolls v2 back and aborts; v1 never fails', async () => {
    const run = await demo('--fail-canary', '--database-url', serverUrl);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/the canary fails \d+ of \d+ requests: roll v2 back/);
    expect(run.stdout).toContain('abort done: 0004_orders_total_not_negative');
    expect(run.stdout).not.toContain('contract (only v2 live)');
    expect(run.stdout).toMatch(/No request failed because of the schema change/);
  });

  it.concurrent('--strategy flag (its own embedded server, with pg_stat_statements): the usage gate refuses contract at 50%, lets it go at 100%', async () => {
    const run = await demo('--strategy', 'flag');
    expect(run.code, run.stderr).toBe(0);
    const refusal = run.stdout.slice(run.stdout.indexOf('▸ contract at flag 50%: refused by the usage gate'), run.stdout.indexOf('▸ flag at 100%'));
    expect(refusal).toContain('refusing to contract: the application still uses what contract removes');
    expect(refusal).toMatch(/column public\.users\.name: \d+ call\(s\) of "SELECT id, email, name FROM users WHERE id = \$1"/);
    expect(run.stderr).toMatch(/usage gate: no statement used .*column public\.users\.name in the last 1s/);
    expect(run.stdout).toContain('contract done: 0005_rename_users_name_to_full_name');
    expect(run.stdout).toContain('Guard: application_name cannot tell the flag at 0% from 100%');
    expect(run.stdout).toMatch(/No request failed because of the schema change/);
  });

  it.concurrent('--strategy blue-green: contract is refused while blue is warm, runs once blue is torn down', async () => {
    const run = await demo('--strategy', 'blue-green', '--database-url', serverUrl);
    expect(run.code, run.stderr).toBe(0);
    const refusal = run.stdout.slice(run.stdout.indexOf('▸ contract while blue is warm: refused'), run.stdout.indexOf('▸ blue torn down'));
    expect(refusal).toMatch(/8 session\(s\) of the old release \(application_name LIKE 'shop@v1%'\) still connected/);
    expect(run.stdout).toContain('contract done: 0005_rename_users_name_to_full_name');
    expect(run.stdout).toMatch(/No request failed because of the schema change/);
  });

  it.concurrent.each([
    ['rolling', ['rolling: 3 of 8 instances on v2', 'rolled out: v1 drained, 8 of 8 on v2', 'contract (only v2 live)']],
    ['recreate', ['stop v1 (downtime begins)', 'contract (nothing running)', 'start v2: 8 instances (downtime ends)']],
  ])('--strategy %s', async (strategy, stages) => {
    const run = await demo('--strategy', strategy, '--database-url', serverUrl);
    expect(run.code, run.stderr).toBe(0);
    for (const stage of stages) expect(run.stdout).toContain(`▸ ${stage}`);
    expect(run.stdout).toContain('contract done: 0005_rename_users_name_to_full_name');
    expect(run.stdout).toMatch(/No request failed because of the schema change/);
  });

  it.concurrent('--fleet: a canary tenant first, a wave stopped by a hand-altered tenant, the fix, the rest; every tenant contracted', async () => {
    const run = await demo('--fleet', '--database-url', serverUrl);
    expect(run.stdout + run.stderr).not.toContain(new URL(serverUrl).password || '\u0000');
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    const section = (from: string, to: string): string => out.slice(out.indexOf(`▸ ${from}`), out.indexOf(`▸ ${to}`));
    // The canary runs alone, and the next wave waits until it is asked for.
    expect(section('expand, wave 1', 'expand again, unasked')).toMatch(/expand wave 1 \(label:canary, 1 target\): 1 to run\n\s+✓ internal \(.*schema tenant_internal\) 1 migration/);
    expect(section('expand, wave 1', 'expand again, unasked')).not.toContain('tenant_acme');
    expect(section('expand again, unasked', 'expand, wave 2')).toContain('the next wave is 2 (25%, 2 targets)');
    expect(section('expand, wave 2', 'expand, wave 3')).toMatch(/✓ tenant_acme[\s\S]*wave 2|wave 2[\s\S]*✓ tenant_acme/);
    // One tenant fails in wave 3 and the wave stops taking tenants.
    const failed = section('expand, wave 3', 'status');
    expect(failed).toMatch(/✗ tenant_hooli \(.*\) failed: .*column "status" of relation "tasks" already exists/);
    expect(failed).toContain('wave 3 stopped: 1 of its targets failed (maxFailures 1)');
    // WAVE TARGETS OK FAILED SKIPPED INTERRUPTED NOT REACHED: how many finished before the stop depends on timing.
    const [, okBefore, notReached] = /3 \(100%\)\s+9\s+(\d)\s+1\s+0\s+0\s+(\d)/.exec(failed) ?? [];
    expect(Number(okBefore) + Number(notReached)).toBe(8);
    expect(section('status', 'fix tenant_hooli')).toMatch(/tenant_hooli \(wave 3, .*\): 0001 expand failed/);
    // The fix, then the rerun finishes wave 3; migrate and contract reach every tenant.
    const rerun = section('expand again, the fix made', 'migrate, every wave');
    expect(rerun).toMatch(/✓ tenant_hooli .* 1 migration/);
    expect(rerun).toMatch(/✓ tenant_umbrella .* 1 migration/);
    // Each tenant exactly once: those done before the stop are skipped, the rest (tenant_hooli too) run now.
    const [, okAfter, skipped] = /3 \(100%\)\s+9\s+(\d)\s+0\s+(\d)\s+0\s+0/.exec(rerun) ?? [];
    expect(Number(skipped)).toBe(Number(okBefore));
    expect(Number(okAfter)).toBe(Number(notReached) + 1);
    expect(section('contract, v1 still connected', 'v1 drained')).toContain("session(s) of the old release (application_name LIKE 'tasks-app@v1%') still connected");
    expect(out).toMatch(/contract, every wave\s+[\d.]+s\s+[\d.]+s\s+0\s+0\s+0\s+0\s+12/);
    expect(out).toContain('12 of 12 tenants contracted; tasks.done is left in 0 tenant schemas.');
  });

  it('a strategy it does not know, or --fail-canary with another: one line, exit 2', async () => {
    const unknown = await demo('--strategy', 'big-bang');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe('pgtandem: --strategy: expected one of rolling, canary, blue-green, flag, recreate, got "big-bang"');
    const mixed = await demo('--strategy', 'flag', '--fail-canary');
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--fail-canary goes with --strategy canary');
    const fleet = await demo('--fleet', '--strategy', 'rolling');
    expect(fleet.code).toBe(2);
    expect(fleet.stderr.trim()).toBe('pgtandem: --fleet and --strategy: the fleet demo plays its own rollout (a canary wave, a failed tenant, the rest)');
  });
});
