import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { binariesDir, freePort, letPostgresUserReach, letPostgresUserReachBinaries, serverUser } from '../../src/db/embedded-binaries.js';

const run = promisify(execFile);

export interface Server {
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown; `immediate` stops it as a crash would. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
}

export interface StandbyPair {
  primary: Server;
  standby: Server;
  /** The standby's application_name in pg_stat_replication. */
  standbyName: string;
  stop(): Promise<void>;
}

/**
 * A primary and a streaming standby from the embedded binaries, on their own
 * ports (the test run's shared server has no replication settings): initdb,
 * the standby's base backup a copy of the cleanly stopped, never started
 * primary, plus `standby.signal` and `primary_conninfo`. The standby reports
 * its replay position every second (wal_receiver_status_interval).
 */
export async function startStandbyPair(): Promise<StandbyPair> {
  const bin = binariesDir();
  if (!bin) throw new Error('embedded PostgreSQL binaries not found');
  letPostgresUserReachBinaries();
  const user = await serverUser();
  const root = mkdtempSync(join(tmpdir(), 'pgtandem-standby-'));
  letPostgresUserReach(root);
  if (user) chownSync(root, user.uid, user.gid);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const primaryDir = join(root, 'primary');
  const standbyDir = join(root, 'standby');
  await run(join(bin, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...as, cwd: root, env: { ...process.env, LC_ALL: 'C' } });
  cpSync(primaryDir, standbyDir, { recursive: true });
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const standbyName = 'replica1';
  writeFileSync(join(standbyDir, 'standby.signal'), '');
  appendFileSync(join(standbyDir, 'postgresql.auto.conf'), `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=${standbyName}'\nwal_receiver_status_interval = 1s\nhot_standby = on\n`);
  if (user) await run('chown', ['-R', `${user.uid}:${user.gid}`, standbyDir]);
  const start = async (dataDir: string, port: number): Promise<Server> => {
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c wal_level=replica`;
    await run(join(bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', join(dataDir, 'server.log'), '-w', '-t', '60', '-s', '-o', options], { ...as, cwd: root });
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      dataDir,
      stop: async (mode = 'fast') => {
        await run(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60', '-s'], { ...as, cwd: root }).catch(() => {});
      },
    };
  };
  const primary = await start(primaryDir, primaryPort);
  const standby = await start(standbyDir, standbyPort);
  return {
    primary,
    standby,
    standbyName,
    async stop() {
      await standby.stop('immediate');
      await primary.stop('immediate');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs `work` with a connected client, then closes it. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
