import { rules } from '../lint/lint.js';

/** The `pgtandem new` recipes a rule names as its safe fix (none for plugin rules and rules without one). */
export function ruleRecipes(ruleId: string): readonly string[] {
  return rules.find((r) => r.id === ruleId)?.recipe ?? [];
}
