import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { makeFinding } from '../support/findings.js';
import type { Finding, LintResult } from '../../src/lint/finding.js';
import type { RuleMeta } from '../../src/lint/rule-meta.js';
import { formatSarif } from '../../src/report/sarif.js';

// A CommonJS package: under NodeNext the class is the namespace's `default`.
const Ajv = AjvDraft04.default;
const require = createRequire(import.meta.url);
const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;

// The official schema has a pattern that is invalid under the `u` flag, and Ajv
// ships no format checkers: give it small ones so URIs are really checked.
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  unicodeRegExp: false,
  formats: {
    uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
    'uri-reference': /^[^\s]*$/,
    'date-time': true,
  },
});
const validate = ajv.compile(schema);

function expectValid(document: unknown): void {
  const valid = validate(document);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

const RULES: RuleMeta[] = [
  {
    id: 'renaming-column',
    category: 'compat',
    severity: 'error',
    phases: ['expand', 'contract'],
    summary: 'Flags `ALTER TABLE … RENAME COLUMN`.',
    why: 'The application version still running reads the old name.',
    fix: 'Add the new column in expand, backfill in migrate, drop the old one in contract.',
    examples: { bad: [], good: [] },
  },
  {
    id: 'require-concurrent-index-creation',
    category: 'lock',
    severity: 'warn',
    phases: ['expand'],
    summary: 'Flags CREATE INDEX without CONCURRENTLY.',
    why: 'It blocks writes for the whole build.',
    fix: 'Use CREATE INDEX CONCURRENTLY outside a transaction.',
    examples: { bad: [], good: [] },
  },
];

function finding(overrides: Partial<Finding>): Finding {
  return makeFinding({ message: 'Renaming column "name" breaks the running version.', ...overrides });
}

const RESULT: LintResult = {
  files: [
    { path: 'migrations/001_rename.sql', statements: 2, layout: 'native', text: '' },
    { path: 'db\\migrations\\002 add index#1.sql', statements: 1, layout: 'flyway', text: '' },
    { path: '/abs/path/003.sql', statements: 1, layout: 'plain', text: '' },
  ],
  findings: [
    finding({}),
    finding({
      rule: 'require-concurrent-index-creation',
      severity: 'warn',
      file: 'db\\migrations\\002 add index#1.sql',
      line: 1,
      column: 1,
      endLine: 2,
      endColumn: 18,
    }),
    finding({ rule: 'unused-ignore', severity: 'warn', file: '/abs/path/003.sql', line: 1, column: 1, endLine: 1, endColumn: 40 }),
  ],
  summary: { files: 3, errors: 1, warnings: 2 },
};

interface SarifLog {
  runs: {
    tool: { driver: { name: string; version: string; rules: Record<string, unknown>[] } };
    artifacts: { location: { uri: string; uriBaseId?: string } }[];
    results: Record<string, unknown>[];
    columnKind: string;
  }[];
}

describe('formatSarif', () => {
  const text = formatSarif(RESULT, RULES, '1.2.3');
  const log = JSON.parse(text) as SarifLog;
  const run = log.runs[0]!;

  it('validates against the official SARIF 2.1.0 schema', () => {
    expectValid(log);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('rejects a broken document, so the validation above can fail', () => {
    const broken = JSON.parse(text) as SarifLog & { version: string };
    broken.version = '2.0.0';
    expect(validate(broken)).toBe(false);
    const badLevel = JSON.parse(text) as SarifLog;
    badLevel.runs[0]!.results[0]!.level = 'warn';
    expect(validate(badLevel)).toBe(false);
    const badLine = JSON.parse(text) as SarifLog;
    const location = (badLine.runs[0]!.results[0]!.locations as { physicalLocation: { region: { startLine: number } } }[])[0]!;
    location.physicalLocation.region.startLine = 0;
    expect(validate(badLine)).toBe(false);
  });

  it('describes the tool and every rule', () => {
    expect(run.tool.driver).toMatchObject({ name: 'pgtandem', version: '1.2.3', informationUri: 'https://github.com/pgtandem/pgtandem' });
    expect(run.tool.driver.rules).toHaveLength(2);
    expect(run.tool.driver.rules[0]).toMatchObject({
      id: 'renaming-column',
      name: 'RenamingColumn',
      shortDescription: { text: 'Flags `ALTER TABLE … RENAME COLUMN`.' },
      fullDescription: { text: 'The application version still running reads the old name.' },
      help: { text: 'Add the new column in expand, backfill in migrate, drop the old one in contract.' },
      helpUri: 'https://github.com/pgtandem/pgtandem/blob/main/docs/rules/renaming-column.md',
      defaultConfiguration: { level: 'error' },
      properties: { category: 'compat', phases: ['expand', 'contract'] },
    });
    expect(run.tool.driver.rules[1]).toMatchObject({
      name: 'RequireConcurrentIndexCreation',
      defaultConfiguration: { level: 'warning' },
    });
    expect(run.columnKind).toBe('unicodeCodePoints');
  });

  it('maps findings to results with rule index, level, message and region', () => {
    expect(run.results[0]).toMatchObject({
      ruleId: 'renaming-column',
      ruleIndex: 0,
      level: 'error',
      message: { text: 'Renaming column "name" breaks the running version.\n\nhelp: Add the new column in expand.' },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'migrations/001_rename.sql', uriBaseId: '%SRCROOT%', index: 0 },
            region: { startLine: 3, startColumn: 19, endLine: 3, endColumn: 50 },
          },
        },
      ],
    });
    expect(run.results[1]).toMatchObject({ ruleIndex: 1, level: 'warning' });
  });

  it('omits ruleIndex for a rule the caller did not describe and stays valid', () => {
    const unknown = run.results.find((result) => result.ruleId === 'unused-ignore');
    expect(unknown).toBeDefined();
    expect(unknown).not.toHaveProperty('ruleIndex');
    expectValid(JSON.parse(formatSarif(RESULT, [], '1.2.3')));
  });

  it('lists every linted file as an artifact with forward-slash, encoded URIs', () => {
    expect(run.artifacts.map((artifact) => artifact.location)).toEqual([
      { uri: 'migrations/001_rename.sql', uriBaseId: '%SRCROOT%' },
      { uri: 'db/migrations/002%20add%20index%231.sql', uriBaseId: '%SRCROOT%' },
      { uri: 'file:///abs/path/003.sql' },
    ]);
  });

  it('produces a valid log for an empty result', () => {
    expectValid(JSON.parse(formatSarif({ files: [], findings: [], summary: { files: 0, errors: 0, warnings: 0 } }, RULES, '0.0.0')));
  });
});
