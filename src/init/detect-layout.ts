import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverMigrations } from '../migrations/discover.js';
import type { Layout } from '../migrations/migration.js';

/** A folder of migrations found in a project, and the tool whose layout they follow. */
export interface DetectedMigrations {
  /** Relative to the project root, with `/`. */
  dir: string;
  layout: Layout;
  migrations: number;
}

/**
 * Where migration tools keep their files by default, most specific first: Prisma,
 * Drizzle (`drizzle/meta/_journal.json`), then the folders golang-migrate,
 * Flyway, dbmate, goose, diesel and plain SQL projects use.
 */
export const MIGRATION_FOLDERS = [
  'prisma/migrations',
  'drizzle',
  'migrations',
  'db/migrations',
  'db/migrate',
  'database/migrations',
  'sql/migrations',
  'src/migrations',
  'src/main/resources/db/migration',
  'supabase/migrations',
] as const;

/** The first of {@link MIGRATION_FOLDERS} under `root` that holds migrations, read with pgtandem's own discovery. */
export async function detectMigrations(root: string): Promise<DetectedMigrations | undefined> {
  for (const dir of MIGRATION_FOLDERS) {
    const found = await describeFolder(join(root, dir));
    if (found) return { dir, ...found };
  }
  return undefined;
}

/** The layout most of a folder's migrations follow, or undefined when it holds none (or does not exist). */
export async function describeFolder(path: string): Promise<{ layout: Layout; migrations: number } | undefined> {
  if (!(await isDirectory(path))) return undefined;
  const { migrations } = await discoverMigrations([path]);
  if (migrations.length === 0) return undefined;
  const counts = new Map<Layout, number>();
  for (const m of migrations) counts.set(m.layout, (counts.get(m.layout) ?? 0) + 1);
  const [layout] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  return { layout, migrations: migrations.length };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
