import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReport } from '../../src/report/json.js';
import { fakeDocker, type FakeDocker } from '../support/fake-docker.js';
import { migrationsDir, runCli, startCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

// `pgtandem verify --shadow docker:<image>` end to end (the built CLI). Without Docker here, a fake
// `docker` first on PATH (test/support/fake-docker.mjs) runs a real PostgreSQL per "container", so
// what is checked is the conversation with the docker CLI: run → port → connect → rm -f, the errors,
// the cleanup. The last case uses the real Docker when `docker info` succeeds.

const MIGRATIONS = {
  '0001_history.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, amount int);\nINSERT INTO orders VALUES (1, 10);\n',
  '0002_change.sql': 'ALTER TABLE orders ALTER COLUMN amount TYPE bigint;\n',
};

const fakes: FakeDocker[] = [];
function fake(options: Parameters<typeof fakeDocker>[0] = {}): FakeDocker {
  const docker = fakeDocker(options);
  fakes.push(docker);
  return docker;
}
// A failed case must not leave a PostgreSQL running.
afterAll(() => {
  for (const docker of fakes) for (const id of docker.running()) spawnSync('docker', ['rm', '-f', id], { env: { ...process.env, ...docker.env } });
});

const oneLine = (text: string): string[] => text.trim().split('\n');

describe('pgtandem verify --shadow docker:<image> (a fake docker CLI)', () => {
  it('runs the image, traces the change on it and removes the container', async () => {
    const docker = fake();
    const run = await runCli(['verify', '.', '--shadow', 'docker:postgres:16', '--format', 'json'], { cwd: migrationsDir(MIGRATIONS), env: docker.env });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.findings.map((f) => `${f.rule} ${f.phase} ${f.line}`)).toEqual(['traced-table-rewrite expand 1']);
    expect(run.code).toBe(1);
    const calls = docker.calls();
    expect(calls[0]).toEqual(['run', '-d', '--rm', '-e', 'POSTGRES_PASSWORD', '-p', '127.0.0.1::5432', '--label', 'pgtandem.shadow=1', 'postgres:16']);
    const id = calls.find((c) => c[0] === 'port')![1]!;
    expect(calls).toContainEqual(['port', id, '5432/tcp']);
    expect(calls.at(-1)).toEqual(['rm', '-f', id]);
    expect(docker.running()).toEqual([]);
    // The password went to docker through its environment, never on a command line or in the output.
    const [password] = docker.passwords();
    expect(password).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(calls)).not.toContain(password);
    expect(run.stdout + run.stderr).not.toContain(password);
  });

  it('pretty output says a container is started and removed', async () => {
    const docker = fake();
    const run = await runCli(['verify', '.', '--shadow', 'docker:postgres:16'], { cwd: migrationsDir(MIGRATIONS), env: docker.env });
    expect(run.stderr).toBe('pgtandem: verify: starting a throwaway postgres:16 container with docker; it is removed at the end\n');
    expect(run.stdout).toContain('traced-table-rewrite');
    expect(run.code).toBe(1);
    expect(docker.running()).toEqual([]);
  });

  it('docker missing from PATH: exit 2, one line', async () => {
    const emptyPath = tempDir('pgtandem-no-docker-');
    const run = await runCli(['verify', '.', '--shadow', 'docker:postgres:16'], { cwd: migrationsDir(MIGRATIONS), env: { PATH: emptyPath } });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      'pgtandem: verify: starting a throwaway postgres:16 container with docker; it is removed at the end',
      'pgtandem: Docker is not available: `docker` not found on PATH (use --shadow-url or the embedded server)',
    ]);
    expect(run.stdout).toBe('');
  });

  it('an image docker cannot pull: exit 2, one line naming the image and docker’s reason', async () => {
    const docker = fake({ failRun: 'pull' });
    const run = await runCli(['verify', '.', '--shadow', 'docker:postgres:99-nope', '--format', 'json'], { cwd: migrationsDir(MIGRATIONS), env: docker.env });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      "pgtandem: cannot start postgres:99-nope with docker: Error response from daemon: pull access denied for postgres, repository does not exist or may require 'docker login'.",
    ]);
    expect(docker.calls().map((c) => c[0])).toEqual(['run']);
    const [password] = docker.passwords();
    if (password) expect(run.stderr).not.toContain(password);
  });

  it('Ctrl-C while the server starts removes the container', async () => {
    const docker = fake();
    const { child, done } = startCli(['verify', '.', '--shadow', 'docker:postgres:16', '--format', 'json'], { cwd: migrationsDir(MIGRATIONS), env: docker.env });
    // `docker port` comes right after the container started; verify then waits for the server.
    await until(() => docker.calls().some((c) => c[0] === 'port'), 'docker port');
    child.kill('SIGINT');
    const run = await done;
    expect(run.signal).toBe('SIGINT');
    const id = docker.calls().find((c) => c[0] === 'port')![1]!;
    expect(docker.calls().at(-1)).toEqual(['rm', '-f', id]);
    expect(docker.running()).toEqual([]);
  });

  it.each([
    [['--shadow', 'docker:postgres:16', '--shadow-url', 'postgres://u:p@127.0.0.1:1/x'], '--shadow docker:… and --shadow-url cannot be combined'],
    [['--shadow', 'docker:'], '--shadow docker:<image> needs an image'],
    [['--shadow', 'docker:--privileged'], '--shadow docker:<image> needs an image'],
    [['--shadow', 'podman'], 'unknown --shadow "podman" (expected url, embedded or docker:<image>)'],
    [['--shadow', 'url'], '--shadow url needs --shadow-url <url> or SHADOW_DATABASE_URL'],
  ])('usage error: %j', async (flags, message) => {
    const docker = fake();
    const run = await runCli(['verify', '.', ...flags], { cwd: migrationsDir(MIGRATIONS), env: docker.env });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(docker.calls()).toEqual([]);
  });
});

const dockerInfo = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
const noDocker = dockerInfo.error ? `docker is not on PATH` : dockerInfo.status !== 0 ? `\`docker info\` failed: ${(dockerInfo.stderr || '').trim().split('\n').pop()}` : undefined;

describe('pgtandem verify --shadow docker:postgres:16 (the real Docker)', () => {
  it.skipIf(noDocker !== undefined)(`traces the change in a postgres:16 container${noDocker ? ` (skipped: ${noDocker})` : ''}`, async () => {
    const run = await runCli(['verify', '.', '--shadow', 'docker:postgres:16', '--format', 'json'], { cwd: migrationsDir(MIGRATIONS) });
    expect(run.stderr).toBe('');
    expect((JSON.parse(run.stdout) as JsonReport).findings.map((f) => f.rule)).toEqual(['traced-table-rewrite']);
    expect(run.code).toBe(1);
    const left = spawnSync('docker', ['ps', '-q', '--filter', 'label=pgtandem.shadow=1'], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  }, 600_000);
});
