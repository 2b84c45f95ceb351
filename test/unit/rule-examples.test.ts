import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { pgServerVersion, parsePgVersion } from '../../src/lint/config.js';
import { lint } from '../../src/lint/lint.js';

// Every rule's documented examples are its first tests: a bad example must
// produce the rule's finding, a good one must not. Examples are native
// migrations (sections marked with -- pgtandem:<phase>), unless they carry
// another tool's markers (goose, dbmate), which then decide their layout.
const layoutOf = (sql: string) => (/^-- (\+goose Up|migrate:up)/m.test(sql) ? undefined : ('native' as const));
// A rule whose examples name a server version is linted on that version.
function versionOf(pgVersion: string | undefined) {
  if (pgVersion === undefined) return {};
  const exact = pgServerVersion(pgVersion);
  return { pgVersion: parsePgVersion(pgVersion, (m) => new Error(m)), ...(exact !== undefined ? { pgServerVersion: exact } : {}) };
}
// Rules that are off by default (style rules) are switched on for their own examples.
async function findingsOf(ruleId: string, sql: string) {
  const rule = rules.find((r) => r.id === ruleId)!;
  const result = await lint({
    sources: [{ path: `examples/0001_${ruleId}.sql`, text: sql, layout: layoutOf(sql) }],
    configFile: false,
    config: { rules: { [ruleId]: rule.severity }, ...versionOf(rule.examples.pgVersion), ...rule.examples.config },
  });
  return result.findings.filter((f) => f.rule === ruleId);
}

describe.each(rules.map((rule) => [rule.id, rule] as const))('%s', (id, rule) => {
  it('has at least two bad and two good examples', () => {
    expect(rule.examples.bad.length).toBeGreaterThanOrEqual(2);
    expect(rule.examples.good.length).toBeGreaterThanOrEqual(2);
  });

  it.each(rule.examples.bad.map((sql) => [sql]))('flags %s', async (sql) => {
    const findings = await findingsOf(id, sql);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding.severity).toBe(rule.severity === 'info' ? 'info' : finding.severity === 'warn' ? 'warn' : 'error');
      expect(finding.message).not.toBe('');
      expect(finding.docs).toContain(`${id}.md`);
    }
  });

  it.each(rule.examples.good.map((sql) => [sql]))('accepts %s', async (sql) => {
    expect(await findingsOf(id, sql)).toEqual([]);
  });

  it('has complete metadata', () => {
    expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
    for (const text of [rule.summary, rule.why, rule.fix]) expect(text.length).toBeGreaterThan(20);
    expect(rule.phases.length).toBeGreaterThan(0);
  });
});

describe('good examples are clean for every rule', () => {
  // A safe pattern shown in one rule's docs must not trip another rule either.
  it.each(rules.flatMap((rule) => rule.examples.good.map((sql) => [rule.id, sql] as const)))('%s: %s', async (id, sql) => {
    const rule = rules.find((r) => r.id === id)!;
    const config = { ...versionOf(rule.examples.pgVersion), ...rule.examples.config };
    const result = await lint({ sources: [{ path: 'examples/0001_good.sql', text: sql, layout: layoutOf(sql) }], configFile: false, config });
    expect(result.findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });
});
