import { basename } from 'node:path';
import { UsageError } from '../errors.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Catalog } from '../schema/catalog.js';
import { replayMigrations } from '../schema/replay-catalog.js';
import { loadParser } from '../sql/pg-parser.js';
import { isMigrationName, nextVersion, versionOfFileName } from './migration-version.js';
import { checkInput, renderMigration, type RecipeFlags } from './recipe.js';
import { recipeNamed } from './registry.js';

export interface ScaffoldOptions {
  recipe: string;
  args: readonly string[];
  flags: RecipeFlags;
  /** The migrations already in the directory, in version order: their replayed schema is what the recipe reads. */
  migrations: readonly MigrationFile[];
  /** The schema the recipe reads instead of the replayed `migrations` (an editor's: the schema before the statement it replaces). */
  catalog?: Catalog;
  pgVersion: number;
  /** Overrides the file name derived from the arguments. */
  name?: string;
  /** The command line as the user typed it, for the file's first comment. */
  command: string;
  now: Date;
}

export interface Scaffold {
  /** `<version>_<name>.sql` */
  fileName: string;
  text: string;
}

/** Builds the migration a recipe scaffolds, named with the next version of the directory. Writes nothing. */
export async function scaffoldMigration(options: ScaffoldOptions): Promise<Scaffold> {
  await loadParser();
  const recipe = recipeNamed(options.recipe);
  const input = { args: options.args, flags: options.flags, catalog: options.catalog ?? replayMigrations(options.migrations), pgVersion: options.pgVersion };
  checkInput(recipe, input);
  if (options.name !== undefined && !isMigrationName(options.name)) throw new UsageError(`--name: "${options.name}" is not a migration name (letters, digits, _ and -)`);
  const output = recipe.build(input);
  // A history folder's version is its own (a Prisma folder name, a Flyway V-number): one part of digits counts.
  const versions = options.migrations
    .map((m) => versionOfFileName(basename(m.path)) ?? (m.version.length === 1 ? m.version[0] : undefined))
    .filter((v): v is string => v !== undefined);
  const version = nextVersion(versions, options.now);
  return { fileName: `${version}_${options.name ?? output.name}.sql`, text: renderMigration(output, options.command) };
}
