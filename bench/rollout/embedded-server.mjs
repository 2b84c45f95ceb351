// A throwaway PostgreSQL for one benchmark run: pgtandem's own embedded
// provider (a fresh temp data directory, removed when the server stops).
import { startEmbeddedPostgres } from '../../dist/src/db/embedded-postgres.js';

/**
 * Starts the server and returns its URL (never printed: it holds the password)
 * and `stop()`, which also deletes the data directory. `settings`: more
 * `name=value` server settings, after (and so over) the ones below.
 */
export async function startEmbeddedServer(settings = []) {
  return startEmbeddedPostgres({
    prefix: 'pgtandem-bench-',
    // A 2M-row UPDATE writes far more WAL than the default 1 GB: without this, checkpoints
    // forced by WAL volume would land in the middle of whichever run happens to cross them.
    // shared_buffers: the 2M-row table and its indexes fit in memory, as a production server's hot data does.
    postgresFlags: ['-c', 'max_wal_size=8GB', '-c', 'checkpoint_timeout=30min', '-c', 'shared_buffers=512MB', ...settings.flatMap((s) => ['-c', s])],
  });
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
