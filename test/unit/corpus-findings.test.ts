import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareDumps, findingsDump } from '../../scripts/findings-dump.mjs';
import { lint, rules } from '../../src/lint/lint.js';
import { formatJson } from '../../src/report/json.js';

// Work done for speed must not change what the linter finds: the licensed
// corpus sample is linted as `pgtandem lint --format json` would, and every
// finding (position, rule, severity, phase, message, help) and statement count
// must match the dump written before that work. Rules added since are left out
// of the comparison; a deliberate change to a finding rewrites the dump with
// `node scripts/corpus-findings.mjs test/fixtures/corpus-sample --out test/fixtures/corpus-sample-findings.txt`.
// scripts/corpus-findings.mjs checks the full corpus the same way.
const sample = fileURLToPath(new URL('../fixtures/corpus-sample', import.meta.url));
const expected = readFileSync(fileURLToPath(new URL('../fixtures/corpus-sample-findings.txt', import.meta.url)), 'utf8');

describe('the corpus sample', () => {
  it('has the same findings as the dump', async () => {
    const projects = readdirSync(sample)
      .filter((d) => statSync(join(sample, d)).isDirectory())
      .sort();
    const result = await lint({ paths: projects, cwd: sample, configFile: false });
    const dump = findingsDump(JSON.parse(formatJson(result)), rules.map((r) => r.id), sample);
    expect(compareDumps(expected, dump)).toBeUndefined();
    expect(result.findings.length).toBeGreaterThan(100);
  });

  it('a changed finding is a difference', () => {
    const finding = expected.split('\n').find((line) => line.includes('\t'))!;
    const moved = finding.replace(/^([^:]+):(\d+):/, (_all, file: string, line: string) => `${file}:${Number(line) + 1}:`);
    expect(compareDumps(expected, expected.replace(finding, moved))).toEqual({ line: expect.any(Number), expected: finding, actual: moved });
    // A rule the dump does not know is no difference.
    expect(compareDumps(expected, `${expected}x.sql:1:1-1:2\tbrand-new-rule\twarn\texpand\tm\th\n`)).toBeUndefined();
  });
});
