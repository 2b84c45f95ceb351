import { PgtandemError } from '../../errors.js';
import { Catalog } from '../../schema/catalog.js';
import { replayFile } from '../../schema/replay-catalog.js';
import { checkInput } from '../../recipes/recipe.js';
import { recipeCommand } from '../../recipes/recipe-command.js';
import { recipeNamed } from '../../recipes/registry.js';
import type { Fixer, FixOutcome } from '../fixer.js';
import { recipeCallOf } from '../recipe-call.js';
import { recipePhaseEdits } from '../recipe-phases.js';
import { ruleRecipes } from '../rule-recipes.js';

/**
 * The multi-phase changes (rename, type change, NOT NULL, drop column): in a
 * native migration the statement is rewritten into its recipe's phases, the
 * SQL `pgtandem new <recipe>` writes, built against the schema before the
 * statement. Another tool's migration has no phases: its finding names the
 * command that scaffolds a native migration instead.
 */
export const recipes: Fixer = {
  rules: ['renaming-column', 'renaming-table', 'changing-column-type', 'adding-not-nullable-field', 'ban-drop-column'],
  onePerPass: true,
  fix(target): FixOutcome {
    const { file, statement, span } = target;
    const call = recipeCallOf(ruleRecipes(target.finding.rule), statement, span);
    if (!call) return { reason: 'no recipe fits this statement: write the phases by hand (see the rule’s fix)' };
    const command = recipeCommand(call.recipe, call.args, call.flags);
    if (file.layout !== 'native' || file.script) return { reason: `a multi-phase change, which a ${file.layout} migration has no phases for: scaffold a native migration with ${command}`, recipe: command };
    if (statement.segment.phase === 'abort') return { reason: 'abort undoes expand: a recipe’s phases do not go there', recipe: command };
    const catalog = target.catalog ? target.catalog.clone() : new Catalog();
    replayFile(catalog, file, statement.start);
    const recipe = recipeNamed(call.recipe);
    const input = { args: call.args, flags: call.flags, catalog, pgVersion: target.pgVersion };
    try {
      checkInput(recipe, input);
      const output = recipe.build(input);
      return { edits: recipePhaseEdits(file, statement, call.command, output, command) };
    } catch (error) {
      if (!(error instanceof PgtandemError)) throw error;
      return { reason: `${error.message}; scaffold it with ${command} and the flag it asks for`, recipe: command };
    }
  },
};
