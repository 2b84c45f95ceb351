import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import type { LintResult } from '../../src/lint/finding.js';
import { lint, type LintOptions } from '../../src/lint/lint.js';
import { tempProject } from '../support/temp-dir.js';

// lint --cache: what each file's lint found, kept and reused while the file,
// the files before it in its history and the config stay the same.

const HISTORY: Record<string, string> = {
  'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
  'migrations/0002_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\nCREATE INDEX orders_user_id ON orders (user_id);\n',
  'migrations/0003_email.sql': 'ALTER TABLE users ADD COLUMN verified boolean NOT NULL DEFAULT false;\nCREATE INDEX users_email ON users (email);\n',
  'migrations/0004_note.sql': 'ALTER TABLE orders ADD COLUMN note text;\n',
  'migrations/0005_total.sql': 'ALTER TABLE orders ADD COLUMN total numeric;\n',
};
// Linted against the schema before it: an index on a table an earlier file created takes its lock on live rows.
const ADDED = 'CREATE INDEX orders_total ON orders (total);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seen = (result: LintResult) => ({ findings: result.findings, files: result.files.map((f) => [f.path, f.statements]) });

function setUp(): { dir: string; options: LintOptions; cache: string } {
  const dir = tempProject('pgtandem-lint-cache-', HISTORY);
  return { dir, cache: join(dir, 'cache', 'lint.cache'), options: { paths: ['migrations'], cwd: dir, configFile: false } };
}

describe('lint --cache, as a library', () => {
  it('a second run is answered from the cache, with the same findings', async () => {
    const { options, cache } = setUp();
    const plain = await lint(options);
    expect(plain.findings.length).toBeGreaterThan(0);
    const first = await lint({ ...options, cache });
    expect(first.cache).toMatchObject({ hits: 0, misses: 5 });
    expect(seen(first)).toEqual(seen(plain));
    const second = await lint({ ...options, cache });
    expect(second.cache).toEqual({ path: cache, hits: 5, misses: 0, schemas: 0 });
    expect(seen(second)).toEqual(seen(plain));
  });

  it('a file added at the end is the only one linted, against the schema the cache kept', async () => {
    const { dir, options, cache } = setUp();
    await lint({ ...options, cache });
    writeFileSync(join(dir, 'migrations/0006_index.sql'), ADDED);
    const plain = await lint(options);
    expect(plain.findings.some((f) => f.file.endsWith('0006_index.sql'))).toBe(true);
    const cached = await lint({ ...options, cache });
    expect(cached.cache).toMatchObject({ hits: 5, misses: 1, schemas: 1 });
    expect(seen(cached)).toEqual(seen(plain));
  });

  it('a file added and named alone (a pre-commit hook) is linted against the schema a run over the folder kept', async () => {
    const { dir, options, cache } = setUp();
    await lint({ ...options, cache });
    writeFileSync(join(dir, 'migrations/0006_index.sql'), ADDED);
    const alone = { ...options, paths: ['migrations/0006_index.sql'] };
    const plain = await lint(alone);
    expect(plain.findings.length).toBeGreaterThan(0);
    const cached = await lint({ ...alone, cache });
    expect(cached.cache).toMatchObject({ hits: 0, misses: 1, schemas: 1 });
    expect(seen(cached)).toEqual(seen(plain));
  });

  it('a folder named relative to the working directory and its file named alone (siblings then found by absolute path): one history', () => {
    const { dir } = setUp();
    // Paths stay as given only when lint runs in the working directory, so this runs in a process of its own (the built library).
    const script = `
      import { writeFileSync } from 'node:fs';
      import { lint } from ${JSON.stringify(join(root, 'dist/src/lint/lint.js'))};
      const options = { configFile: false, cache: 'lint.cache' };
      const folder = await lint({ ...options, paths: ['migrations'] });
      writeFileSync('migrations/0006_index.sql', ${JSON.stringify(ADDED)});
      const alone = await lint({ ...options, paths: ['migrations/0006_index.sql'] });
      console.log(JSON.stringify({ folder: folder.files[0].path, cache: alone.cache }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as { folder: string; cache: LintResult['cache'] };
    expect(out.folder).toBe('migrations/0001_users.sql');
    expect(out.cache).toMatchObject({ misses: 1, schemas: 1 });
  });

  it('a changed file is linted again with every file after it; the files before it are not', async () => {
    const { dir, options, cache } = setUp();
    await lint({ ...options, cache });
    writeFileSync(join(dir, 'migrations/0003_email.sql'), 'ALTER TABLE users ADD COLUMN verified boolean;\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n');
    const plain = await lint(options);
    const cached = await lint({ ...options, cache });
    expect(cached.cache).toMatchObject({ hits: 2, misses: 3, schemas: 0 });
    expect(seen(cached)).toEqual(seen(plain));
  });

  it('linting one file of the folder uses what a run over the folder kept: it is the same file after the same history', async () => {
    const { options, cache } = setUp();
    const all = await lint({ ...options, cache });
    const one = await lint({ ...options, paths: ['migrations/0003_email.sql'], cache });
    expect(one.cache).toMatchObject({ hits: 1, misses: 0 });
    expect(one.findings).toEqual(all.findings.filter((f) => f.file.endsWith('/migrations/0003_email.sql')));
    expect(one.findings.length).toBeGreaterThan(0);
  });

  it('another config is another cache: every file is linted again', async () => {
    const { options, cache } = setUp();
    await lint({ ...options, cache });
    const stricter = await lint({ ...options, config: { pgVersion: 10 }, cache });
    expect(stricter.cache).toMatchObject({ hits: 0, misses: 5 });
    expect(seen(stricter)).toEqual(seen(await lint({ ...options, config: { pgVersion: 10 } })));
  });

  it('a cache file it cannot read is an empty cache, and is written anew', async () => {
    const { options, cache } = setUp();
    mkdirSync(join(cache, '..'), { recursive: true });
    writeFileSync(cache, 'not a cache');
    const plain = await lint(options);
    const first = await lint({ ...options, cache });
    expect(first.cache).toMatchObject({ hits: 0, misses: 5 });
    expect(seen(first)).toEqual(seen(plain));
    expect((await lint({ ...options, cache })).cache).toMatchObject({ hits: 5, misses: 0 });
  });

  it('a history with a TypeScript migration is linted afresh from that file on', async () => {
    const dir = tempProject('pgtandem-lint-cache-ts-', {
      'migrations/0001_users.sql': '-- pgtandem:expand\nCREATE TABLE users (id bigint PRIMARY KEY, a text);\n',
      'migrations/0002_change.ts': "import type { Kysely } from 'kysely';\nexport async function expand(db: Kysely<any>): Promise<void> {\n  await db.schema.alterTable('users').addColumn('b', 'text', (c) => c.notNull()).execute();\n}\n",
      'migrations/0003_more.sql': '-- pgtandem:expand\nALTER TABLE users ADD COLUMN c text;\n',
    });
    const options = { paths: ['migrations'], cwd: dir, configFile: false as const, cache: join(dir, 'lint.cache') };
    const plain = await lint({ ...options, cache: undefined });
    await lint(options);
    const second = await lint(options);
    expect(second.cache).toMatchObject({ hits: 1, misses: 2 });
    expect(seen(second)).toEqual(seen(plain));
  });

  it('is refused with a live catalog and with plugin rules, whose changes no key sees', async () => {
    const { options, cache } = setUp();
    const { Catalog } = await import('../../src/schema/catalog.js');
    await expect(lint({ ...options, cache, catalog: new Catalog() })).rejects.toThrow(/--cache cannot be used with a live database/);
    await expect(lint({ ...options, cache, config: { plugins: ['./plugin.js'] } })).rejects.toThrow(/--cache cannot be used with plugin rules/);
    expect(existsSync(cache)).toBe(false);
  });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, isTTY: false, cwd };
  const code = await main(['node', 'pgtandem', ...args], io);
  return { code, stdout, stderr };
}

describe('pgtandem lint --cache', () => {
  it('keeps its cache in .pgtandem-cache/, which says it is not to be committed, and prints what a run without it prints', async () => {
    const { dir } = setUp();
    const plain = await run(['lint', 'migrations'], dir);
    expect(plain.code).toBe(1);
    const first = await run(['lint', '--cache', 'migrations'], dir);
    const second = await run(['lint', '--cache', 'migrations'], dir);
    for (const cached of [first, second]) expect(cached).toEqual(plain);
    expect(existsSync(join(dir, '.pgtandem-cache/lint.cache'))).toBe(true);
    expect(readFileSync(join(dir, '.pgtandem-cache/.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('--cache-location: a file, or a folder to put it in', async () => {
    const { dir } = setUp();
    mkdirSync(join(dir, 'tmp'));
    expect((await run(['lint', '--cache-location', 'tmp', 'migrations'], dir)).code).toBe(1);
    expect(existsSync(join(dir, 'tmp/lint.cache'))).toBe(true);
    // A folder that was there is the user's: no .gitignore is written into it.
    expect(existsSync(join(dir, 'tmp/.gitignore'))).toBe(false);
    expect((await run(['lint', '--cache-location', '.', 'migrations'], dir)).code).toBe(1);
    expect(existsSync(join(dir, 'lint.cache'))).toBe(true);
    expect(existsSync(join(dir, '.gitignore'))).toBe(false);
    expect((await run(['lint', '--cache-location', 'elsewhere/my.cache', 'migrations'], dir)).code).toBe(1);
    expect(existsSync(join(dir, 'elsewhere/my.cache'))).toBe(true);
    expect(existsSync(join(dir, 'elsewhere/.gitignore'))).toBe(true);
  });

  it('a cache it cannot write: one warning, the findings and the exit code as without it', async () => {
    const { dir } = setUp();
    const plain = await run(['lint', 'migrations'], dir);
    // A file where the cache's folder would go: no one can write there, root included.
    const cached = await run(['lint', '--cache-location', 'migrations/0001_users.sql/lint.cache', 'migrations'], dir);
    expect(cached.code).toBe(plain.code);
    expect(cached.stdout).toBe(plain.stdout);
    expect(cached.stderr).toMatch(/^pgtandem: warning: could not write the lint cache \S+0001_users\.sql\/lint\.cache \((?:ENOTDIR|EEXIST)\); the findings are complete, the next run is not faster\n$/);
  });

  it('is refused with --database-url and with --fix: exit 2, one line, no URL', async () => {
    const { dir } = setUp();
    const url = 'postgres://me:secret@localhost:1/db';
    const live = await run(['lint', '--cache', '--database-url', url, 'migrations'], dir);
    expect(live).toMatchObject({ code: 2, stdout: '' });
    expect(live.stderr).toMatch(/^pgtandem: --cache cannot be used with --database-url: the database changes without the files changing\n$/);
    const fromEnv = await run(['lint', '--cache', 'migrations'], dir, { PGTANDEM_DATABASE_URL: url });
    expect(fromEnv.stderr).toMatch(/--cache cannot be used with PGTANDEM_DATABASE_URL/);
    expect(fromEnv.stderr).not.toContain('secret');
    const fix = await run(['lint', '--cache', '--fix', 'migrations'], dir);
    expect(fix).toMatchObject({ code: 2, stdout: '' });
    expect(fix.stderr).toMatch(/^pgtandem: --cache does not go with --fix/);
  });
});
