import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { changedFiles } from '../migrations/changed-files.js';
import type { MigrationFile } from '../migrations/migration.js';
import { migrationKey } from '../runner/plan.js';

/** Which migrations are the change under test; the rest before it is history. */
export type ChangeSelection = { versions: readonly string[] } | { since: string } | { last: true };

export interface SplitMigrations {
  /** Applied fully (expand, migrate, contract), in order, before the change. */
  history: MigrationFile[];
  /** Traced phase by phase. */
  change: MigrationFile[];
}

/**
 * Splits the migrations into history and change. The change must be the
 * newest migrations: a change followed by history would test an order that
 * never happens in a deploy, so that is refused.
 */
export async function selectChange(migrations: readonly MigrationFile[], selection: ChangeSelection, cwd: string): Promise<SplitMigrations> {
  let inChange: (file: MigrationFile) => boolean;
  if ('versions' in selection) {
    const wanted = new Set(selection.versions.map(normalizeVersion));
    const known = new Set(migrations.map((m) => normalizeVersion(migrationKey(m))));
    const missing = [...wanted].filter((v) => !known.has(v));
    if (missing.length > 0) throw new UsageError(`--change: no migration with version ${missing.join(', ')}`);
    inChange = (file) => wanted.has(normalizeVersion(migrationKey(file)));
  } else if ('since' in selection) {
    const changed = await changedFiles(cwd, { since: selection.since });
    inChange = (file) => changed.has(resolve(cwd, file.script?.file ?? file.path));
  } else {
    const last = migrations[migrations.length - 1];
    inChange = (file) => file === last;
  }
  const history: MigrationFile[] = [];
  const change: MigrationFile[] = [];
  for (const file of migrations) {
    if (inChange(file)) change.push(file);
    else if (change.length > 0) {
      throw new UsageError(`${file.path} is not part of the change but comes after ${change[change.length - 1]!.path}: the change must be the newest migrations`);
    } else history.push(file);
  }
  return { history, change };
}

/** `0004` and `4` name the same migration. */
function normalizeVersion(version: string): string {
  return version
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? String(Number(part)) : part))
    .join('.');
}
