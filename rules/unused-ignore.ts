import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';

// The lint engine reports this rule itself once every other rule has run:
// only then is it known which ignore comments silenced something.
export default defineRule({
  id: 'unused-ignore',
  category: 'style',
  severity: 'warn',
  phases: PHASES,
  statementKinds: [],
  summary: 'A pgtandem-ignore comment that names an unknown rule or silences nothing.',
  why:
    'An ignore that matches nothing is either a typo (the finding it meant to silence is still reported, or worse, a later one will be silenced by surprise) ' +
    'or left over from a statement that has changed. Stale ignores hide real hazards when the code around them moves.',
  fix: 'Remove the comment, or correct the rule id. `-- pgtandem-ignore <rule>[, <rule>]: <reason>` applies to the statement that follows (or contains) it; `-- pgtandem-ignore-file <rule>…` to the whole file.',
  examples: {
    bad: [
      '-- pgtandem-ignore renaming-column: legacy name kept by the ORM\nALTER TABLE users ADD COLUMN nickname text;\n',
      '-- pgtandem-ignore renaming-colum: typo\nALTER TABLE users RENAME COLUMN name TO full_name;\n',
    ],
    good: [
      '-- pgtandem-ignore renaming-column: the app reads both names through a view\nALTER TABLE users RENAME COLUMN name TO full_name;\n',
      'DROP INDEX legacy_idx; -- pgtandem-ignore require-concurrent-index-deletion: table has 12 rows\n',
    ],
  },
  check() {},
});
