import type { MigrationFile } from '../migrations/migration.js';
import { compareVersions } from '../migrations/version.js';

/** `"0042"`, `"V2_1"`, `"20240101120000_init"` → the version's digit parts, as file names are read. */
export function baselineVersion(baseline: string): string[] {
  const match = /(\d+(?:[._]\d+)*)/.exec(baseline);
  return match ? match[1]!.split(/[._]/) : [];
}

/**
 * The files a `baseline` marks as shipped history: at or before it. Where a
 * file of the project's order has exactly that version, position decides (a
 * Prisma folder runs in name order, whatever its numbers); otherwise versions
 * are compared. Files without a version (Flyway repeatables, re-run whenever
 * they change) and files named one by one on the command line are never history.
 */
export function shippedHistory(
  baseline: string | undefined,
  files: readonly MigrationFile[],
  projectOrder: readonly MigrationFile[],
  isExplicit: (file: MigrationFile) => boolean,
): Set<MigrationFile> {
  const shipped = new Set<MigrationFile>();
  if (baseline === undefined) return shipped;
  const version = baselineVersion(baseline);
  const at = projectOrder.findLastIndex((f) => f.version.length > 0 && compareVersions(f.version, version) === 0);
  const inOrder = new Set(at >= 0 ? projectOrder.slice(0, at + 1) : []);
  for (const file of files) {
    if (file.version.length === 0 || isExplicit(file)) continue;
    const before = at >= 0 && projectOrder.includes(file) ? inOrder.has(file) : compareVersions(file.version, version) <= 0;
    if (before) shipped.add(file);
  }
  return shipped;
}
