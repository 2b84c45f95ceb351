import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

const SCRIPT = fileURLToPath(new URL('./fake-docker.mjs', import.meta.url));

export interface FakeDocker {
  /** Environment for the CLI: PATH with the fake `docker` first, and its state folder. */
  env: NodeJS.ProcessEnv;
  /** Every docker command pgtandem ran, in order (argv without `docker`). */
  calls(): string[][];
  /** The POSTGRES_PASSWORD each `run` was given (to check none is printed). */
  passwords(): string[];
  /** Containers not removed yet (their ids). */
  running(): string[];
}

/** A fake `docker` (test/support/fake-docker.mjs) first on PATH: `run` starts a real PostgreSQL. */
export function fakeDocker(options: { failRun?: 'pull' } = {}): FakeDocker {
  const root = tempDir('pgtandem-fake-docker-');
  const bin = join(root, 'bin');
  const state = join(root, 'state');
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" "$@"\n`);
  chmodSync(join(bin, 'docker'), 0o755);
  const log = join(state, 'calls.log');
  const entries = (): { args: string[] }[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { args: string[] }) : []);
  return {
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_DOCKER_STATE: state, ...(options.failRun ? { FAKE_DOCKER_RUN_FAIL: options.failRun } : {}) },
    calls: () => entries().map((e) => e.args),
    passwords: () => (existsSync(join(state, 'passwords')) ? readFileSync(join(state, 'passwords'), 'utf8').trim().split('\n').filter(Boolean) : []),
    running: () => readdirSync(state).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)),
  };
}
