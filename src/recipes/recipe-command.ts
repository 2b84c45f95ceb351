import { kebab, type RecipeFlags } from './recipe.js';

/** The `pgtandem new …` command line that scaffolds a recipe with these arguments and flags, quoted for a POSIX shell. */
export function recipeCommand(recipe: string, args: readonly string[], flags: RecipeFlags, name?: string): string {
  const words = ['pgtandem', 'new', recipe, ...args];
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    words.push(`--${kebab(flag)}`, ...(value === true ? [] : [String(value)]));
  }
  if (name !== undefined) words.push('--name', name);
  return words.map((w, i) => (i < 2 ? w : shellWord(w))).join(' ');
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
