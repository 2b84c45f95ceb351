import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { renderRuleDoc, renderRuleIndexDoc } from '../../src/lint/rule-doc.js';
import { CORE_RULES } from '../support/core-rules.js';
// @ts-expect-error plain JavaScript build script
import { renderIndex, ruleFiles } from '../../scripts/generate-rule-index.mjs';

// Ids fixed by the full-rule-set issue, on top of the core's.
const LATER_RULES = [
  'adding-field-with-default',
  'adding-serial-primary-key-field',
  'disallowed-unique-constraint',
  'adding-not-nullable-field',
  'changing-column-type',
  'require-concurrent-reindex',
  'require-concurrent-partition-detach',
  'ban-vacuum-full',
  'ban-truncate',
  'ban-set-tablespace',
  'ban-set-logged',
  'ban-exclusion-constraint',
  'lock-heavy-trigger-change',
  'require-lock-timeout',
  'require-statement-timeout',
  'multiple-ddl-locks-in-transaction',
  'backfill-outside-migrate-phase',
  'ban-drop-not-null',
  'ban-drop-default',
  'renaming-enum-value',
  'adding-enum-value',
  'ban-drop-schema-object',
  'renaming-schema-object',
  'changing-default',
  'enable-rls-without-policy',
  'contract-before-expand',
  'dynamic-sql-not-analyzed',
  'prefer-bigint-over-int',
  'prefer-text-field',
  'prefer-timestamptz',
  'prefer-identity',
  'ban-char-field',
  'prefer-robust-stmts',
];

const docsDir = new URL('../../docs/rules/', import.meta.url);

describe('rule registry and docs are derived from the rule files', () => {
  it('rules/index.ts lists exactly the files in rules/ (run `npm run generate`)', () => {
    const committed = readFileSync(new URL('../../rules/index.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderIndex(ruleFiles()));
  });

  it('each rule file exports the rule of its own name', () => {
    expect(rules.map((r) => r.id)).toEqual(ruleFiles());
  });

  it.each(rules.map((r) => [r.id, r] as const))('docs/rules/%s.md matches the rule metadata', (id, rule) => {
    expect(readFileSync(new URL(`${id}.md`, docsDir), 'utf8')).toBe(renderRuleDoc(rule));
  });

  it('docs/rules/README.md lists every rule', () => {
    expect(readFileSync(new URL('README.md', docsDir), 'utf8')).toBe(renderRuleIndexDoc(rules));
  });

  it('the ids the issues fixed are all present (configs and ignore comments name them)', () => {
    const ids = rules.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining([...CORE_RULES, ...LATER_RULES]));
  });
});
