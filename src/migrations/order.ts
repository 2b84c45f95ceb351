import type { MigrationFile } from './migration.js';
import { compareVersions } from './version.js';

/**
 * Run order: directory by directory in path order; inside one, by version
 * (numerically, part by part), then name, then path; files without a version
 * last, by path. Prisma folders go in name order, as Prisma runs them. Prisma and Diesel migrations live one level down, so their
 * directory is the folder holding the version directories.
 */
export function compareMigrations(a: MigrationFile, b: MigrationFile): number {
  const byDirectory = comparePaths(orderingDirectory(a), orderingDirectory(b));
  if (byDirectory !== 0) return byDirectory;
  const aVersioned = a.version.length > 0;
  const bVersioned = b.version.length > 0;
  if (aVersioned !== bVersioned) return aVersioned ? -1 : 1;
  if (aVersioned) {
    // Prisma runs its migration folders in name order: `20250625_x` after `20230518191501_y`.
    if (a.layout === 'prisma' && b.layout === 'prisma') return comparePaths(a.path, b.path);
    const byVersion = compareVersions(a.version, b.version);
    if (byVersion !== 0) return byVersion;
    const byName = compareStrings(a.name, b.name);
    if (byName !== 0) return byName;
  }
  return comparePaths(a.path, b.path);
}

export function orderingDirectory(migration: Pick<MigrationFile, 'path' | 'layout'>): string {
  const parts = migration.path.split('/');
  const depth = migration.layout === 'prisma' || migration.layout === 'diesel' ? 2 : 1;
  return parts.slice(0, Math.max(0, parts.length - depth)).join('/');
}

/** Component-wise, so `a/b` sorts with `a` rather than after `a-c`. */
export function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = compareStrings(x[i] as string, y[i] as string);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
