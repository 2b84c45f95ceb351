// The pgtandem way: the same change as a native migration, each phase run by
// the runner CLI at its deploy stage: expand before v2 gets traffic, migrate
// while v1 and v2 run, contract once v1 has drained.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchBackfill } from './backfill-watch.mjs';
import { withClient } from './dataset.mjs';
import { nativeMigration, nativeMigrationFile } from './schema-change.mjs';
import { withRollout } from './with-rollout.mjs';

const CLI = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));

/** The runner's default `lockTimeout` (no config file is written): the stall target is measured against it. */
export const LOCK_TIMEOUT_MS = 2000;

export async function runPgtandem(serverUrl, options) {
  // Outside the repository: the runner finds no pgtandem.config.json but the one --config writes, and uses its defaults.
  const dir = mkdtempSync(join(tmpdir(), 'pgtandem-bench-migrations-'));
  writeFileSync(join(dir, nativeMigrationFile), nativeMigration);
  if (options.config) writeFileSync(join(dir, 'pgtandem.config.json'), JSON.stringify(options.config));
  try {
    return await withRollout(serverUrl, 'bench_pgtandem', options, async ({ url, fleet, phase, hold }) => {
      let lastChange;
      const runner = (command, ...flags) => runCli([command, '--dir', dir, ...flags], url, dir);
      phase('idle', 'idle (v1)');
      await hold(options.stageMs);
      phase('change', 'expand');
      const expand = await runner('expand');
      for (const share of [0.01, 0.05]) {
        phase(`canary-${share * 100}`, `${share * 100}% v2`);
        await fleet.shift(share);
        await hold(options.stageMs);
      }
      const pending = await withClient(url, (c) => c.query('SELECT count(*)::int AS n FROM orders WHERE number IS NULL'));
      phase('migrate', '25% v2 + migrate');
      await fleet.shift(0.25);
      const watch = await watchBackfill(url);
      const migrate = await runner('migrate').finally(() => watch.stop().then((seen) => (lastChange = seen)));
      await hold(Math.max(0, options.stageMs - migrate.ms));
      const left = await withClient(url, (c) => c.query('SELECT count(*)::int AS n FROM orders WHERE number IS NULL'));
      phase('v2-only', 'v2 only');
      await fleet.shift(1);
      await hold(options.stageMs);
      phase('contract', 'contract');
      // The contract guard checks that v1 is really gone; its backends may take a moment to leave.
      const contract = await runner('contract', '--old-release', 'shop@v1%', '--wait', '10s');
      phase('after', 'after');
      await hold(options.stageMs);
      const rows = pending.rows[0].n;
      const untilLastChange = lastChange && { rows: lastChange.rowsDone, ms: round(lastChange.lastChangeMs), rowsPerSecond: lastChange.rowsDone / (lastChange.lastChangeMs / 1000) };
      return {
        steps: [expand, migrate, contract],
        changeMs: expand.ms + migrate.ms + contract.ms,
        backfill: { rows, ms: migrate.ms, rowsPerSecond: rows / (migrate.ms / 1000), rowsLeftNull: left.rows[0].n, untilLastChange },
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `node bin/pgtandem.js <command> --dir <dir> …` with the URL in DATABASE_URL
 * (never on argv, where `ps` shows it). Resolves with its duration and output;
 * rejects with the exit code and the end of stderr when it fails.
 */
function runCli(args, url, dir) {
  const command = args[0];
  return new Promise((resolve, reject) => {
    const from = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - from;
      const output = redact(`${stdout}${stderr}`, url);
      if (code === 0) resolve({ label: command, ms, output: output.trim() });
      else reject(new Error(`pgtandem ${command} exited ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

function round(ms) {
  return Math.round(ms * 10) / 10;
}

function redact(text, url) {
  const password = new URL(url).password;
  return text.replaceAll(url, '<DATABASE_URL>').replaceAll(password ? `:${password}@` : '\u0000', ':***@');
}
