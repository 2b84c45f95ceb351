import type { Phase } from '../migrations/phase.js';
import type { Severity } from './severity.js';

export type RuleCategory = 'correctness' | 'lock' | 'compat' | 'transaction' | 'style';

/** Everything about a rule except its check: what docs, SARIF and `--help` read. */
export interface RuleMeta {
  id: string;
  category: RuleCategory;
  severity: Severity;
  /** Style rules are off unless the config turns them on. Default true. */
  enabledByDefault?: boolean;
  /** The phases whose statements the rule looks at. */
  phases: readonly Phase[];
  /** One line: what the rule flags. */
  summary: string;
  /** Why it is dangerous: locks, rewrites, which app version breaks. */
  why: string;
  /** The safe recipe, phase by phase. */
  fix: string;
  /** Where the rule's documentation lives, when not pgtandem's docs/rules/<id>.md (a plugin rule's own page). */
  docs?: string;
  /** The `pgtandem new` recipes that scaffold the fix (docs/recipes.md), best first. */
  recipe?: readonly string[];
  examples: {
    /** Migrations (native format) that must produce this rule's finding. */
    bad: readonly string[];
    /** Migrations that must not. */
    good: readonly string[];
    /** The `pgVersion` the examples are linted with ("17", or a release such as "14.2"), when it is not the default. */
    pgVersion?: string;
    /** Settings the examples are linted with, for a rule that only a setting turns on (`tenantSchemas`). */
    config?: { tenantSchemas?: { shared: string[] } };
  };
}

export const DOCS_BASE_URL = 'https://github.com/pgtandem/pgtandem/blob/main/docs/rules/';

export function docsUrl(ruleId: string): string {
  return `${DOCS_BASE_URL}${ruleId}.md`;
}

/** A rule's documentation: its own `docs` URL (plugin rules), else its page in pgtandem's docs/rules. */
export function ruleDocsUrl(rule: Pick<RuleMeta, 'id' | 'docs'>): string {
  return rule.docs ?? docsUrl(rule.id);
}

/**
 * A finding's help: the rule's fix (or the rule's own help for this finding),
 * ending with the `pgtandem new` recipe that scaffolds it, when there is one.
 */
export function helpWithRecipe(help: string, recipes: readonly string[] | undefined): string {
  if (!recipes || recipes.length === 0) return help;
  const commands = recipes.map((r) => `\`pgtandem new ${r} …\``).join(' or ');
  return `${help.trimEnd()} Recipe: ${commands}`;
}
