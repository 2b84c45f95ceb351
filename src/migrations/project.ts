import { isAbsolute, relative, resolve } from 'node:path';
import { discoverMigrations, type DiscoverOptions, type Discovery } from './discover.js';
import { DiscoveryError } from './discovery-error.js';
import type { MigrationFile } from './migration.js';
import { compareVersions } from './version.js';

/** A project's folders as the config names them: the one pgtandem runs, and those other tools run. */
export interface ProjectLayout {
  migrationsDir?: string;
  history: readonly string[];
}

export interface ProjectMigrations {
  /** pgtandem's own migrations (migrationsDir), in run order. */
  migrations: MigrationFile[];
  /** The files of the history folders, `appliedBy: 'tool'`, each folder in its tool's order. */
  history: MigrationFile[];
  /** Both, in the order they reach a database: merged by version, a history file first on a tie. */
  replayOrder: MigrationFile[];
  skipped: Discovery['skipped'];
}

/**
 * Reads migrationsDir and every history folder. History files are marked as
 * applied by their tool; a native-looking file there is read as plain SQL,
 * since no pgtandem runner will apply its sections. Throws
 * {@link DiscoveryError} for a folder that does not exist.
 */
export async function discoverProject(layout: ProjectLayout, options: Partial<DiscoverOptions> = {}): Promise<ProjectMigrations> {
  const historyDirs = layout.history.map((dir) => resolve(dir));
  if (layout.migrationsDir && historyDirs.includes(resolve(layout.migrationsDir))) {
    throw new DiscoveryError('PATH_NOT_FOUND', layout.migrationsDir, `${layout.migrationsDir} is both migrationsDir and a history folder: one tool applies a folder (pgtandem or the other)`);
  }
  const skipped: Discovery['skipped'] = [];
  const groups: MigrationFile[][] = [];
  const history: MigrationFile[] = [];
  for (const dir of layout.history) {
    const found = await discoverMigrations([dir], options);
    skipped.push(...found.skipped);
    const files = found.migrations.map((file): MigrationFile => ({
      ...file,
      appliedBy: 'tool',
      ...(file.layout === 'native' ? { layout: 'plain', inTransaction: options.assumeInTransaction ?? true } : {}),
    }));
    groups.push(files);
    history.push(...files);
  }
  let migrations: MigrationFile[] = [];
  if (layout.migrationsDir) {
    const found = await discoverMigrations([layout.migrationsDir], options);
    skipped.push(...found.skipped);
    // A history folder inside migrationsDir belongs to its tool, not to pgtandem.
    migrations = found.migrations.filter((file) => !historyDirs.some((dir) => isInside(resolve(file.path), dir)));
    groups.push(migrations);
  }
  return { migrations, history, replayOrder: groups.reduce(mergeByVersion, []), skipped };
}

/** Whether `path` is `dir` or below it. */
export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Merges two lists already in their own run order (Prisma's name order stays
 * as it is) by version; on a tie, or when a file has no version to compare
 * (a Flyway repeatable), the earlier list's file goes first.
 */
export function mergeByVersion(first: readonly MigrationFile[], second: readonly MigrationFile[]): MigrationFile[] {
  const merged: MigrationFile[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length && j < second.length) {
    const a = first[i]!;
    const b = second[j]!;
    const secondFirst = a.version.length > 0 && b.version.length > 0 ? compareVersions(b.version, a.version) < 0 : a.version.length === 0;
    merged.push(secondFirst ? second[j++]! : first[i++]!);
  }
  return [...merged, ...first.slice(i), ...second.slice(j)];
}
