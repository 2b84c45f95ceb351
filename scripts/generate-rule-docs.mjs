// Writes docs/rules/*.md from the compiled rule objects (run `npm run generate`).
// test/unit/rule-docs.test.ts fails when the committed pages drift from the rules.
import { mkdirSync, writeFileSync } from 'node:fs';
import { rules } from '../dist/rules/index.js';
import { renderRuleDoc, renderRuleIndexDoc } from '../dist/src/lint/rule-doc.js';

const dir = new URL('../docs/rules/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const rule of rules) writeFileSync(new URL(`${rule.id}.md`, dir), renderRuleDoc(rule));
writeFileSync(new URL('README.md', dir), renderRuleIndexDoc(rules));
console.log(`wrote ${rules.length} rule pages to docs/rules/`);
