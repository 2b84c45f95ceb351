import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// `pgtandem demo` against the test server (a scratch database it creates and drops),
// as README's first command runs it against an embedded one.
describe('pgtandem demo', () => {
  const serverUrl = inject('databaseUrl');

  it('walks a rolling deploy: expand, canary, batched migrate, contract once v1 has drained — no request fails', async () => {
    const run = await runCli(['demo', '--database-url', serverUrl], { cwd: tempDir('pgtandem-demo-test-') });
    expect(run.stderr).not.toContain(new URL(serverUrl).password || '\u0000');
    expect(run.code).toBe(0);
    for (const stage of ['expand (v1 still live)', 'canary: 1 of 8 instances on v2', 'migrate: batched backfill', 'contract (only v2 live)']) {
      expect(run.stdout).toContain(stage);
    }
    expect(run.stdout).toContain('3 pending migrations: 0 errors');
    expect(run.stdout).toMatch(/backfill public\.users: [\d,]+ rows changed in \d+ batches, done/);
    expect(run.stdout).toMatch(/No request failed because of the schema change \([\d,]+ requests\)/);
  });

  it('with --fail-canary, rolls v2 back and aborts; v1 never fails', async () => {
    const run = await runCli(['demo', '--fail-canary', '--database-url', serverUrl], { cwd: tempDir('pgtandem-demo-test-') });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/the canary fails \d+ of \d+ requests: roll v2 back/);
    expect(run.stdout).toContain('abort done: 0004_orders_total_not_negative');
    expect(run.stdout).not.toContain('contract (only v2 live)');
    expect(run.stdout).toMatch(/No request failed because of the schema change/);
  });
});
