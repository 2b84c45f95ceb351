import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { lint } from '../../src/lint/lint.js';
import { renderRuleDoc } from '../../src/lint/rule-doc.js';
import { recipes } from '../../src/recipes/registry.js';

// Every lock and compatibility rule points at the `pgtandem new` recipe that
// scaffolds its safe multi-phase fix, unless its fix is not such a migration —
// each exception says why.
const NO_RECIPE: Record<string, string> = {
  'adding-enum-value': 'the fix is where the ALTER TYPE runs (its own transaction, before writers use the value), not a multi-phase migration',
  'renaming-enum-value': 'enum values cannot be dropped: add a value and dual-handle it in the application; no schema recipe',
  'adding-serial-primary-key-field': 'primary key changes (unique index, NOT NULL, USING INDEX, sequence ownership) are not scaffolded; HAZARDS #11/#16 by hand',
  'ban-drop-default': 'the fix is moving the one statement to contract',
  'changing-default': 'the fix is moving the one statement to contract once v2 writes the value explicitly',
  'ban-drop-table': 'the fix is moving the one statement to contract',
  'ban-drop-schema-object': 'the fix is moving the one statement to contract',
  'contract-before-expand': 'a mistake between the sections of one migration, not a change to scaffold',
  'enable-rls-without-policy': 'policies depend on the application\'s roles; nothing generic to scaffold',
  'renaming-schema-object': 'functions, types and constraints are renamed by versioning them (f_v2), which depends on their callers',
  'ban-exclusion-constraint': 'no online path: PostgreSQL has neither NOT VALID nor USING INDEX for EXCLUDE (HAZARDS #17)',
  'ban-set-logged': 'no multi-phase fix: a copy-and-swap tool (pg_repack) or accepting the rewrite',
  'ban-set-tablespace': 'no multi-phase fix: pg_repack or a copy-and-swap outside migrations',
  'ban-truncate': 'the fix is a batched DELETE in migrate, whose WHERE only the author knows',
  'ban-vacuum-full': 'maintenance, not a schema change: pg_repack / REPACK CONCURRENTLY',
  'lock-heavy-trigger-change': 'the fix is not disabling triggers (session_replication_role per session)',
  'require-concurrent-index-deletion': 'the fix is one keyword (DROP INDEX CONCURRENTLY) in the same phase',
  'require-concurrent-partition-detach': 'the fix is one keyword (DETACH PARTITION … CONCURRENTLY) in the same phase',
  'require-concurrent-reindex': 'the fix is one keyword (REINDEX … CONCURRENTLY) in the same phase',
  'require-lock-timeout': 'a session setting (or the runner, which sets it), not a migration shape',
  'require-statement-timeout': 'a session setting (or the runner, which sets it), not a migration shape',
  'ban-drop-database': 'databases are dropped by hand, outside migrations; nothing to scaffold',
  'prefer-jsonb': 'the fix is one word (jsonb) in the same statement, which lint --fix writes',
  'changing-replica-identity': 'the fix is keeping an identity in the same transaction (PRIMARY KEY / REPLICA IDENTITY USING INDEX) or unpublishing first; no phases to scaffold',
  'changing-published-column': 'the fix starts on the subscribers (their column types and names), outside this database\'s migrations',
};

describe('rules name the recipes that fix them', () => {
  const names = new Set(recipes.map((r) => r.name));

  it('every recipe a rule names exists', () => {
    const unknown = rules.flatMap((rule) => (rule.recipe ?? []).filter((r) => !names.has(r)).map((r) => `${rule.id} → ${r}`));
    expect(unknown).toEqual([]);
  });

  it('every lock and compat rule names a recipe, or is a listed exception', () => {
    const missing = rules.filter((r) => (r.category === 'lock' || r.category === 'compat') && !r.recipe?.length && !(r.id in NO_RECIPE)).map((r) => r.id);
    expect(missing).toEqual([]);
    // An exception that gained a recipe (or a rule that went away) is taken off the list.
    const stale = Object.keys(NO_RECIPE).filter((id) => !rules.some((r) => r.id === id && !r.recipe?.length));
    expect(stale).toEqual([]);
  });

  it('every recipe fixes some rule, or is a listed exception', () => {
    // Reasons for recipes no rule points at.
    const unprompted: Record<string, string> = { 'split-column': 'a data-model change, not a dangerous statement: no rule flags it' };
    const used = new Set(rules.flatMap((r) => r.recipe ?? []));
    expect(recipes.map((r) => r.name).filter((n) => !used.has(n) && !(n in unprompted))).toEqual([]);
  });

  it.each([
    ['renaming-column', 'ALTER TABLE users RENAME COLUMN name TO full_name;\n', 'Recipe: `pgtandem new rename-column …`'],
    ['constraint-missing-not-valid', 'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);\n', 'Recipe: `pgtandem new add-check …` or `pgtandem new add-foreign-key …`'],
  ])('a %s finding\'s help ends with its recipe', async (rule, sql, ending) => {
    const result = await lint({ sources: [{ path: '0002_change.sql', text: sql }], configFile: false });
    const finding = result.findings.find((f) => f.rule === rule);
    expect(finding?.help.endsWith(ending), finding?.help).toBe(true);
  });

  it('the rule page links the recipe', () => {
    const page = renderRuleDoc(rules.find((r) => r.id === 'renaming-table')!);
    expect(page).toContain('[`pgtandem new rename-table`](../recipes.md#rename-table)');
  });
});
