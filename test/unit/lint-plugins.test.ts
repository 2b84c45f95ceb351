import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { lint } from '../../src/lint/lint.js';
import { pgtandem } from '../support/cli-in-process.js';
import { tempProject } from '../support/temp-dir.js';

function project(files: Record<string, string>): string {
  return tempProject('pgtandem-plugins-', files);
}

// A team's own rule, as the docs show it: TypeScript, typed with pgtandem's exports.
const NO_CASCADE = `
import type { Rule } from 'pgtandem';

const rule: Rule = {
  id: 'no-drop-cascade',
  category: 'compat',
  severity: 'error',
  phases: ['expand', 'migrate', 'contract', 'abort'],
  summary: 'DROP … CASCADE drops whatever depends on the object.',
  why: 'CASCADE silently drops views, foreign keys and defaults that depend on the object.',
  fix: 'Drop the dependent objects one by one, then the object without CASCADE.',
  examples: { bad: ['DROP VIEW report CASCADE;\\n'], good: ['DROP VIEW report;\\n'] },
  check(statement, context) {
    const drop = statement.kind === 'DropStmt' ? (statement.node as { DropStmt: { behavior?: string } }).DropStmt : undefined;
    if (drop?.behavior === 'DROP_CASCADE') context.report({ message: 'DROP … CASCADE drops what depends on it too.' });
  },
};
export default rule;
`;

const THROWS = `
export default [{
  id: 'always-throws',
  category: 'style',
  severity: 'warn',
  phases: ['expand'],
  summary: 'A rule with a bug.',
  why: 'It throws on every statement.',
  fix: 'Nothing to fix in the migration.',
  examples: { bad: [], good: [] },
  check() { throw new Error('boom'); },
}];
`;

const MIGRATION = '-- pgtandem:contract\nDROP VIEW legacy_report CASCADE;\nDROP VIEW other_report CASCADE;\n';

const cli = (args: string[], cwd: string) => pgtandem(args, { cwd });

describe('plugins: rule ids in the config, and in SARIF', () => {
  const WITH_DOCS = NO_CASCADE.replace("fix: 'Drop", "docs: 'https://wiki.example.com/db/no-drop-cascade',\n  fix: 'Drop");

  it('a rules key that is neither built in nor a plugin rule is the config file’s error, with a suggestion', async () => {
    const cwd = project({
      'pgtandem.config.json': JSON.stringify({ plugins: ['./lint-rules/*.ts'], rules: { 'no-drop-cascad': 'warn' } }),
      'lint-rules/no-drop-cascade.ts': NO_CASCADE,
      'migrations/0001_drop.sql': MIGRATION,
    });
    const result = await cli(['lint', 'migrations'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pgtandem.config.json: unknown rule "no-drop-cascad" in rules (not built in, nor in the plugins) (did you mean "no-drop-cascade"?)');
  });

  it('SARIF lists the plugin rule in tool.driver.rules with its metadata, and its results point at it', async () => {
    const cwd = project({
      'pgtandem.config.json': JSON.stringify({ plugins: ['./lint-rules/*.ts'], rules: { 'no-drop-cascade': 'warn' } }),
      'lint-rules/no-drop-cascade.ts': WITH_DOCS,
      'migrations/0001_drop.sql': MIGRATION,
    });
    const result = await cli(['lint', '--format', 'sarif', 'migrations'], cwd);
    const run = JSON.parse(result.stdout).runs[0];
    const rules = run.tool.driver.rules as { id: string }[];
    const index = rules.findIndex((r) => r.id === 'no-drop-cascade');
    expect(rules[index]).toMatchObject({
      id: 'no-drop-cascade',
      name: 'NoDropCascade',
      shortDescription: { text: 'DROP … CASCADE drops whatever depends on the object.' },
      fullDescription: { text: 'CASCADE silently drops views, foreign keys and defaults that depend on the object.' },
      helpUri: 'https://wiki.example.com/db/no-drop-cascade',
      properties: { category: 'compat' },
    });
    const ours = run.results.filter((r: { ruleId: string }) => r.ruleId === 'no-drop-cascade');
    expect(ours.map((r: { ruleIndex: number; level: string }) => [r.ruleIndex, r.level])).toEqual([
      [index, 'warning'],
      [index, 'warning'],
    ]);
    // The findings link the rule's own page too.
    const json = JSON.parse((await cli(['lint', '--format', 'json', 'migrations'], cwd)).stdout);
    expect(json.findings.find((f: { rule: string }) => f.rule === 'no-drop-cascade').docs).toBe('https://wiki.example.com/db/no-drop-cascade');
  });
});

describe('plugins: the project’s own rules', () => {
  it('load from the config’s globs, run with the built-in rules, take severities and ignores', async () => {
    const cwd = project({
      'pgtandem.config.json': JSON.stringify({ plugins: ['./lint-rules/*.ts'], rules: { 'no-drop-cascade': 'warn' } }),
      'lint-rules/no-drop-cascade.ts': NO_CASCADE,
      'migrations/0001_drop.sql': MIGRATION.replace('DROP VIEW other', '-- pgtandem-ignore no-drop-cascade: nothing depends on it\nDROP VIEW other'),
    });
    const result = await lint({ paths: ['migrations'], cwd });
    const ours = result.findings.filter((f) => f.rule === 'no-drop-cascade');
    expect(ours.map((f) => `${f.rule} ${f.severity} ${f.line}`)).toEqual(['no-drop-cascade warn 2']);
    // Built-in rules run beside it.
    expect(result.findings.some((f) => f.rule === 'multiple-ddl-locks-in-transaction')).toBe(true);
  });

  it('a rule that throws is one finding naming its file, and the other rules still run', async () => {
    const cwd = project({
      'pgtandem.config.json': JSON.stringify({ plugins: ['lint-rules/no-drop-cascade.ts', 'lint-rules/buggy.ts'] }),
      'lint-rules/no-drop-cascade.ts': NO_CASCADE,
      'lint-rules/buggy.ts': THROWS,
      'migrations/0001_drop.sql': '-- pgtandem:expand\nALTER TABLE a ADD COLUMN b text;\nALTER TABLE a ADD COLUMN c text;\n' + MIGRATION,
    });
    const result = await lint({ paths: ['migrations'], cwd });
    const buggy = result.findings.filter((f) => f.rule === 'always-throws');
    expect(buggy).toHaveLength(1);
    expect(buggy[0]!.message).toContain('lint-rules/buggy.ts');
    expect(buggy[0]!.message).toContain('boom');
    expect(result.findings.filter((f) => f.rule === 'no-drop-cascade')).toHaveLength(2);
  });

  it.each([
    ['a file that does not load', 'export default {', /buggy\.ts/],
    ['an export that is not a rule', 'export default { id: "x" };', /buggy\.ts: the default export x: check/],
    ['a taken id', 'export default { ...(await import("./no-drop-cascade.ts")).default, id: "ban-drop-table" };', /ban-drop-table" is taken/],
  ])('%s is an error naming the file', async (_what, source, message) => {
    const cwd = project({
      'pgtandem.config.json': JSON.stringify({ plugins: ['lint-rules/*.ts'] }),
      'lint-rules/no-drop-cascade.ts': NO_CASCADE,
      'lint-rules/buggy.ts': source,
      'migrations/0001_drop.sql': MIGRATION,
    });
    await expect(lint({ paths: ['migrations'], cwd })).rejects.toThrow(message);
  });

  it('a glob that matches nothing is an error', async () => {
    const cwd = project({ 'pgtandem.config.json': JSON.stringify({ plugins: ['rules-missing/*.ts'] }), 'migrations/0001_drop.sql': MIGRATION });
    await expect(lint({ paths: ['migrations'], cwd })).rejects.toThrow(/matches no file/);
  });

  it('pgtandem docs --out writes their pages beside the built-in ones', async () => {
    const cwd = project({ 'pgtandem.config.json': JSON.stringify({ plugins: ['lint-rules/*.ts'] }), 'lint-rules/no-drop-cascade.ts': NO_CASCADE });
    let stdout = '';
    const io: CliIO = { stdout: (t) => void (stdout += t), stderr: () => {}, env: {}, isTTY: false, cwd };
    expect(await main(['node', 'pgtandem', 'docs', '--out', 'site/rules'], io)).toBe(0);
    const page = readFileSync(join(cwd, 'site/rules/no-drop-cascade.md'), 'utf8');
    expect(page).toContain('# no-drop-cascade');
    expect(page).toContain('DROP VIEW report CASCADE;');
    expect(existsSync(join(cwd, 'site/rules/ban-drop-table.md'))).toBe(true);
    expect(readFileSync(join(cwd, 'site/rules/README.md'), 'utf8')).toContain('[no-drop-cascade](no-drop-cascade.md)');
    expect(stdout).toMatch(/^wrote \d+ rule pages and README.md to site\/rules\n$/);
  });
});
