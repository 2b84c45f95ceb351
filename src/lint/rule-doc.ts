import type { RuleMeta } from './rule-meta.js';

/** The Markdown page of a rule (`docs/rules/<id>.md`), derived from its metadata only. */
export function renderRuleDoc(rule: RuleMeta): string {
  const phases = rule.phases.length === 4 ? 'all phases' : rule.phases.join(', ');
  const example = (sql: string): string => ['```sql', sql.trimEnd(), '```'].join('\n');
  return [
    `# ${rule.id}`,
    '',
    `<!-- Generated from rules/${rule.id}.ts by \`npm run generate\`. Do not edit. -->`,
    '',
    `**${rule.summary}**`,
    '',
    `| category | default severity | applies in |`,
    `|---|---|---|`,
    `| ${rule.category} | ${rule.enabledByDefault === false ? `off (${rule.severity} when enabled)` : rule.severity} | ${phases} |`,
    '',
    '## Why',
    '',
    rule.why,
    '',
    '## Safe alternative',
    '',
    rule.fix,
    '',
    ...(rule.recipe && rule.recipe.length > 0
      ? ['Scaffold it: ' + rule.recipe.map((r) => `[\`pgtandem new ${r}\`](../recipes.md#${r})`).join(' or ') + ' writes this migration with every phase filled in.', '']
      : []),
    '## Flagged',
    '',
    ...(rule.examples.pgVersion ? [`With \`"pgVersion": "${rule.examples.pgVersion}"\`:`, ''] : []),
    ...(rule.examples.config ? [`With ${Object.entries(rule.examples.config).map(([key, value]) => `\`"${key}": ${JSON.stringify(value)}\``).join(', ')} (the rule looks at nothing without it):`, ''] : []),
    ...rule.examples.bad.flatMap((sql) => [example(sql), '']),
    '## Not flagged',
    '',
    ...rule.examples.good.flatMap((sql) => [example(sql), '']),
    '## Configuration',
    '',
    'In `pgtandem.config.json`:',
    '',
    '```json',
    `{ "rules": { "${rule.id}": "${rule.enabledByDefault === false ? rule.severity : rule.severity === 'error' ? 'warn' : 'error'}" } }`,
    '```',
    '',
    `Silence one statement with \`-- pgtandem-ignore ${rule.id}: <reason>\` on the line before it.`,
    '',
  ].join('\n');
}

/** `docs/rules/README.md`: the table of every rule. */
export function renderRuleIndexDoc(rules: readonly RuleMeta[]): string {
  return [
    '# Rules',
    '',
    '<!-- Generated from rules/*.ts by `npm run generate`. Do not edit. -->',
    '',
    '| rule | category | severity | phases | flags |',
    '|---|---|---|---|---|',
    ...rules.map(
      (r) => `| [${r.id}](${r.id}.md) | ${r.category} | ${r.enabledByDefault === false ? 'off' : r.severity} | ${r.phases.length === 4 ? 'all' : r.phases.join(', ')} | ${r.summary.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ].join('\n');
}
