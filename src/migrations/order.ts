import type { MigrationFile } from './migration.js';
import { compareVersions } from './version.js';

/**
 * Run order: directory by directory in path order; inside one, by version
 * (numerically, part by part), then name, then path; files without a version
 * last, by path. Prisma folders go in name order, as Prisma runs them. Prisma and Diesel migrations live one level down, so their
 * directory is the folder holding the version directories.
 */
export function compareMigrations(a: MigrationFile, b: MigrationFile): number {
  return compareKeyed(a, orderKey(a), b, orderKey(b));
}

/**
 * Sorts `migrations` in place in run order ({@link compareMigrations}), splitting
 * each path once instead of at every comparison (thousands of files in a repository).
 */
export function sortMigrations(migrations: MigrationFile[]): MigrationFile[] {
  const keys = new Map(migrations.map((m) => [m, orderKey(m)]));
  return migrations.sort((a, b) => compareKeyed(a, keys.get(a)!, b, keys.get(b)!));
}

/** Sorts `items` in place by path ({@link comparePaths}), splitting each path once. */
export function sortByPath<T extends { path: string }>(items: T[]): T[] {
  const parts = new Map(items.map((item) => [item, item.path.split('/')]));
  return items.sort((a, b) => compareParts(parts.get(a)!, parts.get(b)!));
}

interface OrderKey {
  directory: string[];
  path: string[];
}

function orderKey(migration: MigrationFile): OrderKey {
  return { directory: orderingDirectory(migration).split('/'), path: migration.path.split('/') };
}

function compareKeyed(a: MigrationFile, aKey: OrderKey, b: MigrationFile, bKey: OrderKey): number {
  const byDirectory = compareParts(aKey.directory, bKey.directory);
  if (byDirectory !== 0) return byDirectory;
  const aVersioned = a.version.length > 0;
  const bVersioned = b.version.length > 0;
  if (aVersioned !== bVersioned) return aVersioned ? -1 : 1;
  if (aVersioned) {
    // Prisma runs its migration folders in name order: `20250625_x` after `20230518191501_y`.
    if (a.layout === 'prisma' && b.layout === 'prisma') return compareParts(aKey.path, bKey.path);
    const byVersion = compareVersions(a.version, b.version);
    if (byVersion !== 0) return byVersion;
    const byName = compareStrings(a.name, b.name);
    if (byName !== 0) return byName;
  }
  return compareParts(aKey.path, bKey.path);
}

export function orderingDirectory(migration: Pick<MigrationFile, 'path' | 'layout'>): string {
  const parts = migration.path.split('/');
  const depth = migration.layout === 'prisma' || migration.layout === 'diesel' ? 2 : 1;
  return parts.slice(0, Math.max(0, parts.length - depth)).join('/');
}

/** Component-wise, so `a/b` sorts with `a` rather than after `a-c`. */
export function comparePaths(a: string, b: string): number {
  return compareParts(a.split('/'), b.split('/'));
}

function compareParts(x: readonly string[], y: readonly string[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = compareStrings(x[i] as string, y[i] as string);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
