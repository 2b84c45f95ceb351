import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../../errors.js';
import { displayPath, newMigration } from '../../recipes/new-migration.js';
import { kebab, type RecipeFlags } from '../../recipes/recipe.js';
import { recipes } from '../../recipes/registry.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';

export interface NewCommandOptions extends RecipeFlags {
  dir?: string;
  config?: string;
  name?: string;
  stdout?: boolean;
  /** A feature flag ships the change: each section says which step of its rollout goes with it. */
  featureFlag?: string;
}

/** `pgtandem new <recipe> [args…]`: writes `<version>_<name>.sql` into the migrations directory (or prints it) and says where. */
export async function newCommand(recipe: string, args: string[], options: NewCommandOptions, io: CliIO): Promise<number> {
  const { dir, config, name, stdout, featureFlag, ...flags } = options;
  const { path, text } = await newMigration({
    recipe,
    args,
    flags,
    cwd: io.cwd,
    ...(config !== undefined ? { config } : {}),
    ...(dir !== undefined ? { dir } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(featureFlag !== undefined ? { featureFlag } : {}),
  });
  if (stdout) {
    io.stdout(text);
    return EXIT.ok;
  }
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') throw new UsageError(`${displayPath(io.cwd, path)} exists already; not overwriting it`);
    throw new UsageError(`cannot write ${displayPath(io.cwd, path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  io.stdout(`${displayPath(io.cwd, path)}\n`);
  return EXIT.ok;
}

/** The recipes and their flags, for `pgtandem new --help`. */
export function newHelpText(): string {
  const lines = ['', 'Recipes:'];
  for (const recipe of recipes) {
    lines.push(`  ${recipe.name} ${recipe.usage}`, `      ${recipe.summary}`);
    for (const [flag, meaning] of Object.entries(recipe.options)) lines.push(`      --${kebab(flag)}${takesValue(flag) ? ` <${valueName(flag)}>` : ''}  ${meaning}`);
  }
  lines.push(
    '',
    'The migration goes to --dir, else migrationsDir from the config, else the project\'s migrations folder, as <version>_<name>.sql with',
    'the next version in the directory\'s scheme (timestamps: the current UTC time; counters: the next number, same width). What the',
    'recipe needs to know about the table (column types, NOT NULL, defaults, indexes) comes from replaying the migrations already there.',
    'An existing file is never overwritten. Types and expressions are checked with the PostgreSQL parser. See docs/recipes.md.',
    'Exit codes: 0 written (its path printed), 2 usage problem (a bad argument, a missing fact, the file exists).',
  );
  return lines.join('\n');
}

const VALUE_FLAGS: Record<string, string> = { default: 'expr', backfill: 'expr', using: 'expr', down: 'expr', merge: 'expr', type: 'type', where: 'condition' };

function takesValue(flag: string): boolean {
  return flag in VALUE_FLAGS;
}

function valueName(flag: string): string {
  return VALUE_FLAGS[flag] ?? 'value';
}
