import { resolve } from 'node:path';
import { historyRoot } from './history.js';
import { discoverMigrations } from '../migrations/discover.js';
import type { MigrationFile } from '../migrations/migration.js';
import { readMigrationSource } from '../migrations/discover.js';
import { compareVersions } from '../migrations/version.js';
import { Catalog } from '../schema/catalog.js';
import { loadParser } from '../sql/pg-parser.js';
import { DEFAULT_PG_VERSION } from './config.js';
import { replayMigrationFile } from './lint-file.js';

/**
 * The schema each open migration is linted against: the migrations before it
 * in its folder, replayed once and kept until a file of that folder changes
 * on disk. Typing in one file re-lints that file only; the history stays.
 */
export class HistoryCatalogs {
  readonly #folders = new Map<string, Promise<MigrationFile[]>>();
  readonly #catalogs = new Map<string, Catalog>();

  async before(path: string, text: string): Promise<Catalog> {
    const file = readMigrationSource(path, text);
    const folder = resolve(historyRoot(file));
    let files = this.#folders.get(folder);
    if (!files) {
      files = discoverMigrations([folder])
        .then((d) => d.migrations)
        .catch(() => []);
      this.#folders.set(folder, files);
    }
    const list = await files;
    const index = list.findIndex((f) => resolve(f.path) === path);
    // A new file not yet saved sorts after the ones on disk (its version is the newest).
    const earlier = index === -1 ? list.filter((f) => compareVersions(f.version, file.version) < 0) : list.slice(0, index);
    const key = `${folder}\0${earlier.length}`;
    let catalog = this.#catalogs.get(key);
    if (!catalog) {
      await loadParser();
      // Replayed as `pgtandem lint <file>` replays the files before it.
      catalog = new Catalog();
      for (const earlierFile of earlier) replayMigrationFile(earlierFile, { catalog, pgVersion: DEFAULT_PG_VERSION });
      this.#catalogs.set(key, catalog);
    }
    return catalog;
  }

  /** A file changed on disk (saved, created, deleted): its folder's history is read again. */
  invalidate(path: string): void {
    for (const folder of [...this.#folders.keys()]) {
      if (path.startsWith(`${folder}/`) || path === folder) {
        this.#folders.delete(folder);
        for (const key of [...this.#catalogs.keys()]) if (key.startsWith(`${folder}\0`)) this.#catalogs.delete(key);
      }
    }
  }

  clear(): void {
    this.#folders.clear();
    this.#catalogs.clear();
  }
}
