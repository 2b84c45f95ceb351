// Writes docs/rules/*.md and the rule settings of schema/pgtandem.config.schema.json from the
// compiled rule objects (run `npm run generate`). test/unit/rule-docs.test.ts and
// test/unit/init.test.ts fail when the committed pages or schema drift from the rules.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rules } from '../dist/rules/index.js';
import { withRuleSettings } from '../dist/src/lint/config-schema.js';
import { renderRuleDoc, renderRuleIndexDoc } from '../dist/src/lint/rule-doc.js';

const dir = new URL('../docs/rules/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const rule of rules) writeFileSync(new URL(`${rule.id}.md`, dir), renderRuleDoc(rule));
writeFileSync(new URL('README.md', dir), renderRuleIndexDoc(rules));
console.log(`wrote ${rules.length} rule pages to docs/rules/`);

const schemaFile = new URL('../schema/pgtandem.config.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
writeFileSync(schemaFile, `${JSON.stringify(withRuleSettings(schema, rules), null, 2)}\n`);
console.log('wrote the rule settings of schema/pgtandem.config.schema.json');
