import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runCli } from '../support/runner-cli.js';

const DOCS = ['README.md', 'docs/deploy.md', 'docs/github-action.md', 'docs/squawk.md', 'docs/recipes.md', 'docs/adopt.md', 'docs/strategies.md', 'docs/fleet.md'];
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** `["npx", "pgtandem", "expand", "--dir", "db"]` (a Kubernetes command) read as `npx pgtandem expand --dir db`. */
function flattenArrays(line: string): string {
  return line.replace(/\[((?:\s*"[^"]*"\s*,?)+)\]/g, (_, items: string) => [...items.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join(' '));
}

/** Every `pgtandem <command> …` written in a doc, up to the end of its code span or shell word list. */
function commandsIn(text: string): { command: string; args: string[]; line: string }[] {
  const found: { command: string; args: string[]; line: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = flattenArrays(raw);
    for (const match of line.matchAll(/\bpgtandem ([a-z]+)((?: +(?:--?[a-z][a-z-]*|'[^']*'|"[^"]*"|[^\s`|>;&'"#)]+))*)/g)) {
      const args = [...match[2]!.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0].replace(/^(['"])(.*)\1$/, '$2'));
      found.push({ command: match[1]!, args, line: raw.trim() });
    }
  }
  return found;
}

async function help(command: string): Promise<{ code: number; text: string }> {
  let text = '';
  const io: CliIO = { stdout: (t) => void (text += t), stderr: (t) => void (text += t), env: {}, isTTY: false, cwd: process.cwd() };
  const code = await main(['node', 'pgtandem', command, '--help'], io);
  return { code, text };
}

describe('commands shown in the docs', () => {
  const all = DOCS.flatMap((path) => commandsIn(read(path)).map((c) => ({ ...c, path })));

  it('are found (the check reads them)', () => {
    const seen = new Set(all.map((c) => c.command));
    for (const command of ['lint', 'init', 'expand', 'migrate', 'contract', 'abort', 'status', 'new']) expect(seen, command).toContain(command);
  });

  it('use only commands, options and format values that `pgtandem <command> --help` lists', async () => {
    // Words after "pgtandem" in prose ("pgtandem reads …", "pgtandem's runner") are not commands.
    const commands = new Set(['lint', 'init', 'expand', 'migrate', 'contract', 'abort', 'status', 'demo', 'verify', 'new', 'baseline']);
    const helps = new Map<string, { code: number; text: string }>();
    const problems: string[] = [];
    for (const { command, args, line, path } of all) {
      if (!commands.has(command)) continue;
      if (!helps.has(command)) helps.set(command, await help(command));
      const { code, text } = helps.get(command)!;
      if (code !== 0) problems.push(`${path}: ${line}: pgtandem ${command} is not a command`);
      args.forEach((arg, i) => {
        if (!arg.startsWith('-') || /^-+$/.test(arg)) return;
        const flag = arg.split('=')[0]!;
        if (!new RegExp(`(^|[\\s,])${flag}([\\s,]|$)`, 'm').test(text)) problems.push(`${path}: ${line}: ${flag} is not an option of pgtandem ${command}`);
        if ((flag === '--format' || flag === '-f') && args[i + 1] && !/^\$/.test(args[i + 1]!) && !text.includes(`"${args[i + 1]}"`)) {
          problems.push(`${path}: ${line}: --format ${args[i + 1]} is not a choice of pgtandem ${command}`);
        }
      });
    }
    expect(problems).toEqual([]);
  });

  it('the check fails on an option a command does not have', async () => {
    const { text } = await help('expand');
    expect(text).toContain('--dir');
    expect(/(^|[\s,])--old-release([\s,]|$)/m.test(text)).toBe(false);
  });
});

describe('docs/deploy.md: the GitHub Actions deploy job', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('eco_docs_deploy');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('runs its pgtandem steps in order against a real database (migrations-example standing in for db/migrations)', async () => {
    const deploy = read('docs/deploy.md');
    const job = deploy.slice(deploy.indexOf('```yaml', deploy.indexOf('## GitHub Actions')), deploy.indexOf('## Kubernetes'));
    const steps = [...job.matchAll(/run: npx pgtandem (.+)/g)].map((m) =>
      m[1]!
        .replace(/\s+#.*$/, '') // a YAML comment after the command
        .replace(/^lint$/, 'lint migrations-example') // bare lint reads migrationsDir from the project's config
        .replace(/\$\{\{ steps\.live\.outputs\.version \}\}/g, 'v1')
        .replace(/db\/migrations/g, 'migrations-example'),
    );
    const abort = steps.findIndex((s) => s.startsWith('abort'));
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['lint', 'expand', 'migrate', 'contract', 'abort', 'status']);
    const cwd = new URL('../..', import.meta.url).pathname;
    const env = { DATABASE_URL: db.url };
    const args = (step: string) => [...step.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0].replace(/^"(.*)"$/, '$1'));
    // The happy path: every step but the abort (which runs only when the rollout failed).
    for (const [i, step] of steps.entries()) {
      if (i === abort) continue;
      const run = await runCli(args(step), { cwd, env });
      expect(run.code, `${step}\n${run.stderr}`).toBe(0);
      if (step.startsWith('status')) {
        const status = JSON.parse(run.stdout) as { migrations: { state: string }[] };
        expect(new Set(status.migrations.map((m) => m.state))).toEqual(new Set(['contracted']));
      }
    }
  });
});
