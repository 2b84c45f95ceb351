import pg from 'pg';
import { discoverMigrations } from '../migrations/discover.js';
import type { MigrationFile } from '../migrations/migration.js';
import { loadParser } from '../sql/pg-parser.js';
import { applyHistory, ApplyHistoryError } from './apply-history.js';
import type { Catalog } from './catalog.js';
import { compareCatalogs, type CatalogComparison } from './compare-catalogs.js';
import { readCatalog } from './read-catalog.js';

/** A migration history's catalog as pgtandem replays it (`replayMigrations`). */
export type Replay = (files: readonly MigrationFile[]) => Catalog;

export type ProjectAccuracy =
  | { project: string; files: number; applied: true; comparison: CatalogComparison }
  | { project: string; files: number; applied: false; error: string };

export interface MeasureOptions {
  /** A server to create scratch databases on (superuser or CREATEDB); never printed. */
  serverUrl: string;
  /** Prefix of the scratch databases' names; each is dropped when its project is done. */
  databasePrefix: string;
  replay: Replay;
}

/**
 * Measures how well the replay reproduces PostgreSQL for one migration set:
 * the set is applied to a fresh database in order (see `applyHistory`), the
 * server's catalog read back, the same files replayed, and the two compared:
 * the server's is what is expected, the replay's what it actually got. A set
 * the server refuses is reported with its first error and not compared: it
 * does not apply cleanly to an empty database (it needs roles, extensions or
 * earlier objects it does not create).
 */
export async function measureReplayAccuracy(project: string, paths: readonly string[], options: MeasureOptions): Promise<ProjectAccuracy> {
  await loadParser();
  const { migrations } = await discoverMigrations(paths);
  const database = scratchName(options.databasePrefix, project);
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(options.serverUrl);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    // A notice or error on an idle scratch connection must not crash the process.
    client.on('error', () => {});
    await client.connect();
    try {
      const version = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
      try {
        await applyHistory(client, migrations, version / 10000);
      } catch (error) {
        if (!(error instanceof ApplyHistoryError)) throw error;
        return { project, files: migrations.length, applied: false, error: firstLine(error.message) };
      }
      const server = await readCatalog(client);
      const replayed = options.replay(migrations);
      return { project, files: migrations.length, applied: true, comparison: compareCatalogs(server, replayed) };
    } finally {
      await client.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`).catch(() => undefined);
    await admin.end();
  }
}

/** One line per project: items, matched, %, or why it was skipped. */
export function describeAccuracy(result: ProjectAccuracy): string {
  if (!result.applied) return `${result.project}: does not apply cleanly: ${result.error}`;
  const { items, matched, match } = result.comparison;
  return `${result.project}: ${result.files} files, ${items} items, ${matched} matched, ${(match * 100).toFixed(1)}%`;
}

/** A difference as one line: `column public.users.email type: expected "text", actual "integer"`. */
export function describeDifference(d: CatalogComparison['differences'][number]): string {
  return `${d.kind} ${d.name} ${d.field}: expected ${JSON.stringify(d.expected)}, actual ${JSON.stringify(d.actual)}`;
}

function scratchName(prefix: string, project: string): string {
  const safe = `${prefix}_${project}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${safe.slice(0, 40)}_${process.pid}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
