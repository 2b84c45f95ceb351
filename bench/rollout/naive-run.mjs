// The naive way: the whole change in one transaction, before the deploy, with
// v1 serving all traffic; then the canary shift to v2.
import pg from 'pg';
import { naiveStatements } from './schema-change.mjs';
import { withRollout } from './with-rollout.mjs';

export async function runNaive(serverUrl, options) {
  return withRollout(serverUrl, 'bench_naive', options, async ({ url, fleet, phase, hold }) => {
    phase('idle', 'idle (v1)');
    await hold(options.stageMs);
    phase('change', 'migration (1 tx)');
    const steps = await runInOneTransaction(url, naiveStatements);
    for (const share of [0.01, 0.05, 0.25]) {
      phase(`canary-${share * 100}`, `${share * 100}% v2`);
      await fleet.shift(share);
      await hold(options.stageMs);
    }
    phase('v2-only', 'v2 only');
    await fleet.shift(1);
    await hold(options.stageMs);
    const backfill = steps.find((s) => s.backfill);
    return {
      steps,
      changeMs: steps.reduce((sum, s) => sum + s.ms, 0),
      backfill: { rows: backfill.rows, ms: backfill.ms, rowsPerSecond: backfill.rows / (backfill.ms / 1000) },
    };
  });
}

/** BEGIN, each statement timed, COMMIT: as `psql -1 -f migration.sql` would run it. */
async function runInOneTransaction(url, statements) {
  const client = new pg.Client({ connectionString: url, application_name: 'migration' });
  await client.connect();
  const steps = [];
  try {
    await client.query('BEGIN');
    for (const statement of statements) {
      const from = performance.now();
      const result = await client.query(statement.sql);
      steps.push({ label: statement.label, ms: performance.now() - from, rows: result.rowCount ?? 0, backfill: statement.backfill === true });
    }
    const from = performance.now();
    await client.query('COMMIT');
    steps.push({ label: 'commit', ms: performance.now() - from, rows: 0, backfill: false });
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  return steps;
}
