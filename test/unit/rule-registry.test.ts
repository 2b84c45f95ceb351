import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { renderRuleDoc, renderRuleIndexDoc } from '../../src/lint/rule-doc.js';
// @ts-expect-error plain JavaScript build script
import { renderIndex, ruleFiles } from '../../scripts/generate-rule-index.mjs';

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

  it('the ids the issue fixed are all present', () => {
    expect(rules.map((r) => r.id)).toEqual(
      expect.arrayContaining([
        'syntax-error',
        'unused-ignore',
        'require-concurrent-index-creation',
        'require-concurrent-index-deletion',
        'ban-concurrent-index-creation-in-transaction',
        'adding-required-field',
        'renaming-column',
        'renaming-table',
        'ban-drop-column',
        'ban-drop-table',
        'adding-foreign-key-constraint',
        'constraint-missing-not-valid',
      ]),
    );
  });
});
