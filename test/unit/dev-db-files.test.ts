import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseNameFor, devDbPaths, ensureDirs, isServerProcess, readPostmasterPid, readState, writeState } from '../../src/db/dev-db-files.js';
import { tempDir } from '../support/temp-dir.js';

describe('dev-db files', () => {
  it.each([
    ['/home/ann/my-shop', 'my_shop'],
    ['/srv/Billing.API', 'billing_api'],
    ['/tmp/2024-app', 'app_2024_app'],
    ['/tmp/---', 'app'],
  ])('the database of project %s is %s', (root, name) => {
    expect(databaseNameFor(root)).toBe(name);
  });

  it('creates .pgtandem/ with a .gitignore of * and keeps the state file at mode 0600', () => {
    const paths = devDbPaths(tempDir('pgtandem-devdb-unit-'));
    ensureDirs(paths);
    expect(statSync(join(paths.pgtandemDir, '.gitignore')).isFile()).toBe(true);
    writeState(paths, { port: 5999, password: 'secret', database: 'shop' });
    expect(statSync(paths.stateFile).mode & 0o777).toBe(0o600);
    expect(readState(paths)).toEqual({ port: 5999, password: 'secret', database: 'shop' });
  });

  it('reads postmaster.pid; a dead pid, a cut-short file or a reused pid is not the server', () => {
    const paths = devDbPaths(tempDir('pgtandem-devdb-unit-'));
    mkdirSync(paths.dataDir, { recursive: true });
    expect(readPostmasterPid(paths)).toBeUndefined();
    writeFileSync(join(paths.dataDir, 'postmaster.pid'), `${2 ** 22 + 12345}\n${paths.dataDir}\n1700000000\n5433\n\n127.0.0.1\n  1234  5678\nready   \n`);
    expect(readPostmasterPid(paths)).toEqual({ pid: 2 ** 22 + 12345, port: 5433 });
    expect(isServerProcess(2 ** 22 + 12345, paths.dataDir)).toBe(false);
    writeFileSync(join(paths.dataDir, 'postmaster.pid'), '');
    expect(readPostmasterPid(paths)).toEqual({ pid: 0, port: 0 });
    // This test's own process is alive but works elsewhere: after a reboot the pid may be anyone's.
    expect(isServerProcess(process.pid, paths.dataDir)).toBe(process.platform !== 'linux');
  });
});
