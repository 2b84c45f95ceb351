import { UsageError } from '../errors.js';
import { addCheck } from './add-check.js';
import { addColumn } from './add-column.js';
import { addForeignKey } from './add-foreign-key.js';
import { addIndex } from './add-index.js';
import { addNotNull } from './add-not-null.js';
import { addUnique } from './add-unique.js';
import { changeColumnType } from './change-column-type.js';
import { dropColumn } from './drop-column.js';
import type { Recipe } from './recipe.js';
import { renameColumn } from './rename-column.js';
import { renameTable } from './rename-table.js';
import { splitColumn } from './split-column.js';

/** Every recipe `pgtandem new` knows, in the order `--help` lists them. */
export const recipes: readonly Recipe[] = [
  addColumn,
  renameColumn,
  changeColumnType,
  addNotNull,
  addForeignKey,
  addUnique,
  addCheck,
  addIndex,
  dropColumn,
  renameTable,
  splitColumn,
];

export function recipeNamed(name: string): Recipe {
  const recipe = recipes.find((r) => r.name === name);
  if (!recipe) throw new UsageError(`unknown recipe "${name}" (expected ${recipes.map((r) => r.name).join(', ')})`);
  return recipe;
}
