import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const BIN = root('bin/pgtandem.js');
const action = readFileSync(root('action.yml'), 'utf8');

// The SARIF 2.1.0 schema, read as test/unit/report-sarif.test.ts does.
const require = createRequire(import.meta.url);
const sarifSchema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
const validateSarif = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false, formats: { uri: true, 'uri-reference': true, 'date-time': true } }).compile(sarifSchema);

/** The names under a top-level key of action.yml (`inputs:` → version, command, …). */
function keysUnder(section: string): string[] {
  const body = action.slice(action.indexOf(`\n${section}:\n`) + section.length + 3);
  const end = body.search(/\n\S/);
  return [...(end === -1 ? body : body.slice(0, end)).matchAll(/^ {2}([a-z-]+):/gm)].map((m) => m[1]!);
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A repository whose base commit has a migration with an error, and a branch commit adding a new one. */
function pullRequest(change: string): { repo: string; base: string } {
  const repo = tempDir('pgtandem-action-');
  writeFileSync(join(repo, 'pgtandem.config.json'), '{ "migrationsDir": "db" }\n');
  mkdirSync(join(repo, 'db'));
  writeFileSync(join(repo, 'db/0001_users.sql'), '-- pgtandem:expand\nCREATE TABLE users (id bigint PRIMARY KEY, name text, plan text DEFAULT \'free\');\nDROP TABLE legacy;\n');
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'checkout', '-q', '-b', 'feature');
  writeFileSync(join(repo, 'db/0002_change.sql'), change);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'change');
  return { repo, base };
}

/** Runs scripts/action-lint.sh as the action's lint step does, with GitHub's files in the repository. */
function lintStep(repo: string, inputs: Record<string, string>) {
  const env = {
    PATH: process.env.PATH,
    GITHUB_OUTPUT: join(repo, '.github-output'),
    GITHUB_STEP_SUMMARY: join(repo, '.github-summary'),
    INPUT_COMMAND: `${process.execPath} ${BIN}`,
    ...inputs,
  };
  const result = spawnSync('bash', [root('scripts/action-lint.sh')], { cwd: repo, env, encoding: 'utf8' });
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const outputs = Object.fromEntries(read(env.GITHUB_OUTPUT).split('\n').filter(Boolean).map((line) => line.split('=') as [string, string]));
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, summary: read(env.GITHUB_STEP_SUMMARY), outputs };
}

const CHANGE = '-- pgtandem:expand\nALTER TABLE users RENAME COLUMN name TO full_name;\nALTER TABLE users ALTER COLUMN plan DROP DEFAULT;\n';
const WARNING_ONLY = '-- pgtandem:expand\nALTER TABLE users ALTER COLUMN plan DROP DEFAULT;\n';

describe('action.yml', () => {
  it('passes every input the scripts read, by name, through env', () => {
    const inputs = keysUnder('inputs');
    expect(inputs).toEqual(expect.arrayContaining(['version', 'command', 'migrations-dir', 'base-ref', 'format', 'fail-on', 'sarif', 'verify', 'verify-args']));
    for (const script of ['scripts/action-lint.sh', 'scripts/action-verify.sh']) {
      expect(action).toContain(`run: bash "$GITHUB_ACTION_PATH/${script}"`);
      for (const [, name] of readFileSync(root(script), 'utf8').matchAll(/\bINPUT_([A-Z_]+)/g)) {
        const input = name!.toLowerCase().replace(/_/g, '-');
        expect(inputs, `${script} reads INPUT_${name}`).toContain(input);
        expect(action).toContain(`INPUT_${name}: \${{ inputs.${input} }}`);
      }
    }
    expect(action).toMatch(/base-ref:\n(?: {4}.*\n)*? {4}default: \$\{\{ github\.event\.pull_request\.base\.sha \}\}\n/);
    expect(action).toContain('uses: github/codeql-action/upload-sarif@v3');
    // Outputs come from the lint step's outputs, which the script writes.
    for (const output of keysUnder('outputs')) expect(action).toContain(`value: \${{ steps.lint.outputs.${output} }}`);
  });
});

describe('scripts/action-lint.sh (the action’s lint step)', () => {
  it('annotates the changed migration only, writes the summary and valid SARIF, and reports failure in its outputs', () => {
    const { repo, base } = pullRequest(CHANGE);
    const step = lintStep(repo, { INPUT_BASE_REF: base, INPUT_SARIF: 'true' });
    expect(step.stderr).toBe('');
    expect(step.code).toBe(0);
    const annotations = step.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations.map((a) => a.slice(0, a.indexOf('::', 2)))).toEqual([
      '::error file=db/0002_change.sql,line=2,col=19,endLine=2,endColumn=50,title=renaming-column',
      '::warning file=db/0002_change.sql,line=3,col=19,endLine=3,endColumn=49,title=ban-drop-default',
    ]);
    expect(step.summary).toContain('pgtandem: 2 problems (1 error, 1 warning) in 1 file');
    expect(step.summary).toContain('| `db/0002_change.sql` | 2 | `renaming-column` |');
    expect(step.summary).not.toContain('0001_users');

    const sarif = JSON.parse(readFileSync(join(repo, 'pgtandem.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(['renaming-column', 'ban-drop-default']);
    expect(step.outputs).toEqual({ errors: '1', warnings: '1', files: '1', failed: 'true', 'sarif-file': 'pgtandem.sarif' });
  });

  const verdicts: { change: string; failOn: string; failed: string }[] = [
    { change: CHANGE, failOn: 'never', failed: 'false' },
    { change: WARNING_ONLY, failOn: 'error', failed: 'false' },
    { change: WARNING_ONLY, failOn: 'warning', failed: 'true' },
  ];
  for (const { change, failOn, failed } of verdicts) {
    it(`fail-on ${failOn} with ${change === CHANGE ? 'an error' : 'only a warning'}: failed=${failed}, no SARIF unless asked`, () => {
      const { repo, base } = pullRequest(change);
      const step = lintStep(repo, { INPUT_BASE_REF: base, INPUT_FAIL_ON: failOn });
      expect(step.code).toBe(0);
      expect(step.outputs.failed).toBe(failed);
      expect(step.outputs['sarif-file']).toBeUndefined();
      expect(existsSync(join(repo, 'pgtandem.sarif'))).toBe(false);
    });
  }

  it('without a base ref lints every migration (push events)', () => {
    const { repo } = pullRequest(CHANGE);
    const step = lintStep(repo, { INPUT_FORMAT: 'json' });
    expect(step.code).toBe(0);
    expect((JSON.parse(step.stdout) as { files: unknown[] }).files).toHaveLength(2);
    expect(step.outputs).toMatchObject({ errors: '2', files: '2', failed: 'true' });
  });

  it('exits 2 with pgtandem’s reason when it cannot lint, and writes no verdict', () => {
    const { repo } = pullRequest(CHANGE);
    const unknownBase = lintStep(repo, { INPUT_BASE_REF: 'no-such-ref' });
    expect(unknownBase.code).toBe(2);
    expect(unknownBase.stderr).toContain('pgtandem: cannot find the merge base of HEAD and "no-such-ref"');
    expect(unknownBase.outputs).toEqual({});
    const badInput = lintStep(repo, { INPUT_FAIL_ON: 'sometimes' });
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toContain('fail-on must be error, warning or never');
  });
});
