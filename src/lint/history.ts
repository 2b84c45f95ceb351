import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { discoverMigrations, type DiscoverOptions } from '../migrations/discover.js';
import type { MigrationFile } from '../migrations/migration.js';

/** One step of the history the linter walks: a file to lint, or an earlier one only replayed into the catalog. */
export interface HistoryStep {
  file: MigrationFile;
  lint: boolean;
}

/**
 * The order in which files are replayed and linted, so that each linted file
 * sees the schema the migrations before it leave:
 * - files found in a directory: in version order, those not selected
 *   (`--since`, `--staged`) replayed only, up to the last selected one;
 * - a file named on its own: the earlier migrations of its directory are
 *   discovered and replayed first;
 * - in-memory sources: in the order given.
 */
export async function lintHistory(
  files: readonly MigrationFile[],
  selected: ReadonlySet<MigrationFile>,
  paths: readonly string[],
  cwd: string,
  options: Partial<DiscoverOptions>,
): Promise<HistoryStep[]> {
  const steps: HistoryStep[] = [];
  const placed = new Set<MigrationFile>();
  const byPath = new Map(files.map((f) => [resolve(cwd, f.path), f]));

  for (const directory of directoriesOfNamedFiles(files, selected, paths, cwd)) {
    let siblings: MigrationFile[];
    try {
      siblings = (await discoverMigrations([directory], options)).migrations;
    } catch {
      // The history is a help, not a requirement: a directory that cannot be read leaves the file without one.
      continue;
    }
    const group = siblings.map((s) => byPath.get(resolve(cwd, s.path)) ?? s);
    const last = group.findLastIndex((f) => selected.has(f));
    for (const file of group.slice(0, last + 1)) {
      if (placed.has(file)) continue;
      placed.add(file);
      steps.push({ file, lint: selected.has(file) });
    }
  }

  const rest = files.filter((f) => !placed.has(f));
  const last = rest.findLastIndex((f) => selected.has(f));
  for (const file of rest.slice(0, last + 1)) steps.push({ file, lint: selected.has(file) });
  return steps;
}

/**
 * The directory whose migrations form one history: a file's own directory, or
 * its parent's for layouts that keep each migration in a folder (Prisma,
 * Diesel). Projects linted together do not share a schema.
 */
export function historyRoot(file: MigrationFile): string {
  const directory = dirname(file.path.replace(/\\/g, '/'));
  return file.layout === 'prisma' || file.layout === 'diesel' ? dirname(directory) : directory;
}

/** Directories holding a selected file that was named as a file on the command line (not found in a directory walk). */
function directoriesOfNamedFiles(files: readonly MigrationFile[], selected: ReadonlySet<MigrationFile>, paths: readonly string[], cwd: string): string[] {
  const named = new Set(paths.filter((p) => isFile(resolve(cwd, p))).map((p) => resolve(cwd, p)));
  const directories = new Set<string>();
  for (const file of files) {
    const path = resolve(cwd, file.path);
    if (!selected.has(file) || !named.has(path)) continue;
    directories.add(resolve(cwd, historyRoot(file)));
  }
  return [...directories];
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
