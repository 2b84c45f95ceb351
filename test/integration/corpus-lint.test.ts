import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { formatResult, FORMATS } from '../../src/report/format.js';
import { rules } from '../../rules/index.js';

// Every file of the real-world corpus is linted without a crash. The full
// corpus sits beside the repository for the team; a user's clone has only the
// licensed sample kept in test/fixtures.
const full = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const sample = fileURLToPath(new URL('../fixtures/corpus-sample', import.meta.url));
const corpora = [sample, ...(existsSync(full) ? [full] : [])];
const projectsOf = (corpus: string) => readdirSync(corpus).filter((d) => statSync(join(corpus, d)).isDirectory()).sort();

// Test fixtures (squawk's parser tests, PostgreSQL's regression suite) are invalid on purpose.
const FIXTURE_PROJECTS = new Set(['sbdchd__squawk', 'xataio__pgroll']);

describe.each(corpora.map((c) => [c === full ? 'full' : 'sample', c]))('linting the corpus (%s)', (_kind, corpus) => {
  it.each(projectsOf(corpus))('%s: every file is linted, and every format renders', async (project) => {
    const result = await lint({ paths: [join(corpus, project)], configFile: false });
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.summary.files).toBe(result.files.length);
    for (const format of FORMATS) {
      const text = formatResult(format, result, { rules, color: format === 'pretty', toolVersion: 'test' });
      if (format === 'json' || format === 'sarif') expect(() => JSON.parse(text)).not.toThrow();
      expect(text.length).toBeGreaterThan(0);
    }
    for (const finding of result.findings) {
      expect(finding.line).toBeGreaterThanOrEqual(1);
      expect(finding.column).toBeGreaterThanOrEqual(1);
      expect(finding.endLine * 1e6 + finding.endColumn).toBeGreaterThanOrEqual(finding.line * 1e6 + finding.column);
    }
    if (!FIXTURE_PROJECTS.has(project)) {
      // Real projects' migrations ran on real servers: the parser must accept all of them
      // (templated SQL included), so a syntax-error finding here is a pgtandem bug.
      expect(result.findings.filter((f) => f.rule === 'syntax-error').map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
    }
  });
});
