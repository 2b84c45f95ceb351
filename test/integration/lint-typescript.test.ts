import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/lint/finding.js';
import { lint, type LintOptions } from '../../src/lint/lint.js';
import { runCli } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// TypeScript migrations linted through a recording Kysely: findings at the call that ran each statement.

function tree(files: Record<string, string>): string {
  const dir = tempDir('pgtandem-lint-ts-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function lintTree(files: Record<string, string>, options: Partial<LintOptions> = {}): Promise<Finding[]> {
  const dir = tree(files);
  const result = await lint({ paths: [dir], configFile: false, cwd: dir, ...options });
  return result.findings.map((f) => ({ ...f, file: f.file.slice(dir.length + 1) }));
}

/** 1-based line and column of `token` on the first line holding `needle` (from where `needle` starts). */
function at(text: string, needle: string, token: string): { line: number; column: number } {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  expect(index, needle).toBeGreaterThanOrEqual(0);
  const line = lines[index]!;
  return { line: index + 1, column: line.indexOf(token, line.indexOf(needle)) + 1 };
}

const where = (f: Finding) => ({ rule: f.rule, file: f.file, line: f.line, column: f.column, phase: f.phase });

const USERS_SQL = `-- pgtandem:expand
CREATE TABLE users (id bigint PRIMARY KEY, a text, legacy text);
`;

const CHANGE_TS = `import { sql, type Kysely } from 'kysely';
import { addAuditColumn } from './helpers/audit';

export async function expand(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email', 'text', (c) => c.notNull()).execute();
  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);
  await db.schema
    .createIndex('users_b_idx')
    .on('users')
    .column('b')
    .execute();
  await db.schema.createTable('orders').addColumn('id', 'bigint', (c) => c.primaryKey()).execute();
  await addAuditColumn(db, 'users');
}

export async function contract(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('legacy').execute();
}
`;

const AUDIT_TS = `import type { Kysely } from 'kysely';

export async function addAuditColumn(db: Kysely<any>, table: string): Promise<void> {
  await db.schema.alterTable(table).addColumn('audited_by', 'text', (c) => c.notNull()).execute();
}
`;

const ORDERS_SQL = `-- pgtandem:expand
ALTER TABLE orders ADD COLUMN note text;
ALTER TABLE invoices ADD COLUMN note text;
`;

describe('a TypeScript migration between SQL ones', () => {
  const files = { '0001_users.sql': USERS_SQL, '0002_change.ts': CHANGE_TS, 'helpers/audit.ts': AUDIT_TS, '0003_orders.sql': ORDERS_SQL };

  it('reports each rule at the line:column of the call that ran the statement, with the statement index and its SQL', async () => {
    const findings = await lintTree(files, { config: { rules: { 'unknown-object': 'error' } } });
    const ts = findings.filter((f) => f.file === '0002_change.ts');
    const required = ts.find((f) => f.rule === 'adding-required-field' && f.message.includes('email'))!;
    // The call is `.execute()` at the end of line 5.
    expect(where(required)).toEqual({ rule: 'adding-required-field', file: '0002_change.ts', line: 5, column: 86, phase: 'expand' });
    expect(at(CHANGE_TS, "addColumn('email'", 'execute')).toEqual({ line: 5, column: 86 });
    expect({ endLine: required.endLine, endColumn: required.endColumn }).toEqual({ endLine: 5, endColumn: 93 });
    expect(required.message).toMatch(/^statement 1 of expand: /);
    expect(required.help).toContain('SQL: alter table "users" add column "email" text not null');

    const rename = ts.find((f) => f.rule === 'renaming-column')!;
    expect(where(rename)).toEqual({ rule: 'renaming-column', file: '0002_change.ts', ...at(CHANGE_TS, 'sql`ALTER TABLE users RENAME', 'execute'), phase: 'expand' });
    expect(rename.message).toMatch(/^statement 2 of expand: /);

    // A chain over several lines: the line of its execute().
    const index = ts.find((f) => f.rule === 'require-concurrent-index-creation')!;
    expect(where(index)).toEqual({ rule: 'require-concurrent-index-creation', file: '0002_change.ts', line: 11, column: 6, phase: 'expand' });
    expect(index.help).toContain('build the index in a .sql migration');
    expect(index.message).toMatch(/^statement 3 of expand: /);
    // The phase is one transaction: the index is built while ALTER TABLE's lock is held (its line named in the .ts file).
    const held = ts.find((f) => f.rule === 'multiple-ddl-locks-in-transaction')!;
    expect(held.message).toContain('(taken at line 5, statement 1 of expand)');

    // A helper's statement points at the migration's call into the helper, and names the helper's line.
    const helper = ts.find((f) => f.rule === 'adding-required-field' && f.message.includes('audited_by'))!;
    expect(where(helper)).toEqual({ rule: 'adding-required-field', file: '0002_change.ts', ...at(CHANGE_TS, 'addAuditColumn(db', 'addAuditColumn'), phase: 'expand' });
    expect(helper.message).toMatch(/^statement 5 of expand \(run in \S*helpers\/audit\.ts:4:89\): /);

    // Dropping a column in contract is the safe path.
    expect(ts.filter((f) => f.phase === 'contract')).toEqual([]);
    // The later SQL file sees the table the TypeScript migration created; a table nobody created is still unknown.
    const unknown = findings.filter((f) => f.rule === 'unknown-object');
    expect(unknown.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([expect.stringMatching(/^0003_orders\.sql:3 .*invoices/)]);
  });

  it('counts the recorded statements of the file', async () => {
    const dir = tree(files);
    const result = await lint({ paths: [dir], configFile: false, cwd: dir });
    expect(result.files.map((f) => [f.path.slice(dir.length + 1), f.statements])).toEqual([
      ['0001_users.sql', 1],
      ['0002_change.ts', 6],
      ['0003_orders.sql', 2],
    ]);
  });

  it('replays a TypeScript migration that is only history (--since / a file named alone)', async () => {
    const dir = tree(files);
    const result = await lint({ paths: [join(dir, '0003_orders.sql')], configFile: false, cwd: dir, config: { rules: { 'unknown-object': 'error' } } });
    expect(result.findings.filter((f) => f.rule === 'unknown-object').map((f) => f.line)).toEqual([3]);
    expect(result.files).toHaveLength(1);
  });
});

describe('phases, transactions and parameters of TypeScript migrations', () => {
  const cases: { title: string; ts: string; expected: { rule: string; phase: string; needle: string; token: string; message?: RegExp }[] }[] = [
    {
      title: 'a plain up export is expand',
      ts: `import { sql } from 'kysely';\nexport async function up(db: any) {\n  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);\n}\n`,
      expected: [{ rule: 'renaming-column', phase: 'expand', needle: 'RENAME', token: 'execute', message: /^statement 1 of expand: / }],
    },
    {
      title: 'CONCURRENTLY cannot run in the transaction the runner calls a phase in',
      ts: `import { sql } from 'kysely';\nexport async function expand(db: any) {\n  await sql\`CREATE INDEX CONCURRENTLY users_a_idx ON users (a)\`.execute(db);\n}\n`,
      expected: [{ rule: 'ban-concurrent-index-creation-in-transaction', phase: 'expand', needle: 'CONCURRENTLY', token: 'execute', message: /TypeScript migration’s phase function/ }],
    },
    {
      title: 'a backfill in migrate is not batched for a script',
      ts: `export async function migrate(db: any) {\n  await db.updateTable('users').set({ legacy: 'x' }).where('legacy', 'is', null).execute();\n}\n`,
      expected: [{ rule: 'backfill-outside-migrate-phase', phase: 'migrate', needle: 'updateTable', token: 'execute', message: /cannot batch it/ }],
    },
    {
      title: 'parameters are inlined: SET with a bound value parses and counts',
      ts: `import { sql } from 'kysely';\nexport async function expand(db: any) {\n  await sql\`SET lock_timeout = \${'1ms'}\`.execute(db);\n  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);\n}\n`,
      expected: [{ rule: 'renaming-column', phase: 'expand', needle: 'RENAME', token: 'execute', message: /^statement 2 of expand: / }],
    },
    {
      title: 'db.transaction() is refused by the runner; the statements inside are linted',
      ts: `import { sql } from 'kysely';\nexport async function expand(db: any) {\n  await db.transaction().execute(async (trx: any) => {\n    await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(trx);\n  });\n}\n`,
      expected: [
        { rule: 'syntax-error', phase: 'expand', needle: 'db.transaction()', token: 'transaction', message: /db\.transaction\(\) in export expand: the runner .* refuses/ },
        { rule: 'renaming-column', phase: 'expand', needle: 'RENAME', token: 'execute' },
      ],
    },
  ];
  it.each(cases)('$title', async ({ ts, expected }) => {
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_change.ts': ts });
    const got = findings.filter((f) => f.file === '0002_change.ts').sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
    expect(got.map((f) => ({ rule: f.rule, phase: f.phase, line: f.line, column: f.column }))).toEqual(
      expected.map((e) => ({ rule: e.rule, phase: e.phase, ...at(ts, e.needle, e.token) })),
    );
    expected.forEach((e, i) => e.message && expect(got[i]!.message).toMatch(e.message));
  });
});

describe('call sites Kysely does not build', () => {
  it('an awaited db.executeQuery() points at its await; one not awaited falls back to 1:1 and its statement index', async () => {
    const ts = [
      "import { CompiledQuery } from 'kysely';",
      'export async function expand(db: any) {',
      "  await db.executeQuery(CompiledQuery.raw('ALTER TABLE users RENAME COLUMN a TO b'));",
      "  db.executeQuery(CompiledQuery.raw('ALTER TABLE users RENAME COLUMN b TO c'));",
      '}',
      '',
    ].join('\n');
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_raw.ts': ts });
    expect(findings.map((f) => `${f.rule} ${f.line}:${f.column}-${f.endLine}:${f.endColumn} ${f.message.slice(0, 21)}`)).toEqual([
      'renaming-column 1:1-1:1 statement 2 of expand',
      `renaming-column 3:${at(ts, 'await db.executeQuery', 'await').column}-3:8 statement 1 of expand`,
    ]);
  });
});

describe('TypeScript migrations that do not load or do not finish', () => {
  const OTHER_SQL = '-- pgtandem:expand\nALTER TABLE users RENAME COLUMN legacy TO old;\n';

  it('a phase that throws is an error at the throw, after its earlier statements are linted; other files go on', async () => {
    const ts = `import { sql } from 'kysely';\nexport async function expand(db: any) {\n  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);\n  throw new Error('no rows to migrate');\n}\n`;
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_throws.ts': ts, '0003_other.sql': OTHER_SQL });
    expect(findings.map(where)).toEqual([
      { rule: 'renaming-column', file: '0002_throws.ts', ...at(ts, 'RENAME', 'execute'), phase: 'expand' },
      { rule: 'syntax-error', file: '0002_throws.ts', ...at(ts, 'throw new', 'new'), phase: 'expand' },
      { rule: 'renaming-column', file: '0003_other.sql', line: 2, column: 19, phase: 'expand' },
    ]);
    expect(findings[1]!.severity).toBe('error');
    expect(findings[1]!.message).toBe('export expand threw: no rows to migrate');
  });

  it('a phase that never finishes is bounded and reported at its export', async () => {
    const ts = `import { sql } from 'kysely';\nexport async function expand(db: any) {\n  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);\n  await new Promise(() => {});\n}\nexport async function contract(db: any) {\n  await db.schema.dropTable('legacy_things').execute();\n}\n`;
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_hangs.ts': ts, '0003_other.sql': OTHER_SQL }, { scriptTimeoutMs: 200 });
    expect(findings.map(where)).toEqual([
      { rule: 'syntax-error', file: '0002_hangs.ts', ...at(ts, 'function expand', 'expand'), phase: 'expand' },
      { rule: 'renaming-column', file: '0002_hangs.ts', ...at(ts, 'RENAME', 'execute'), phase: 'expand' },
      { rule: 'renaming-column', file: '0003_other.sql', line: 2, column: 19, phase: 'expand' },
    ]);
    expect(findings[0]!.message).toMatch(/^export expand did not finish within 200 ms/);
  });

  it('a syntax error is a syntax-error finding at its line:column; the other files are still linted', async () => {
    const ts = `export async function expand(db: any) {\n  await db.schema.alterTable('users').addColumn('x', 'text').execute(;\n}\n`;
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_bad.ts': ts, '0003_other.sql': OTHER_SQL });
    expect(findings.map(where)).toEqual([
      { rule: 'syntax-error', file: '0002_bad.ts', ...at(ts, 'execute(;', ';'), phase: 'expand' },
      { rule: 'renaming-column', file: '0003_other.sql', line: 2, column: 19, phase: 'expand' },
    ]);
    expect(findings[0]!.message).toMatch(/^This migration cannot be loaded: /);
  });
});

describe('// pgtandem-ignore in TypeScript migrations', () => {
  it('silences the statements of the next call below it, and reports an ignore that silences nothing', async () => {
    const ts = [
      "import { sql } from 'kysely';",
      'export async function expand(db: any) {',
      '  // pgtandem-ignore renaming-column: v1 never reads a',
      '  await sql`ALTER TABLE users RENAME COLUMN a TO b`.execute(db);',
      '  // pgtandem-ignore adding-required-field: users is empty until launch',
      "  await db.schema.alterTable('users')",
      "    .addColumn('email', 'text', (c: any) => c.notNull())",
      '    .execute();',
      '  // pgtandem-ignore ban-drop-column: nothing to silence here',
      "  await db.schema.alterTable('users').addColumn('nick', 'text').execute();",
      '  await sql`ALTER TABLE users RENAME COLUMN legacy TO old`.execute(db);',
      '}',
      '',
    ].join('\n');
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_ignores.ts': ts });
    expect(findings.map(where)).toEqual([
      { rule: 'unused-ignore', file: '0002_ignores.ts', line: 9, column: 3, phase: 'expand' },
      { rule: 'renaming-column', file: '0002_ignores.ts', ...at(ts, 'RENAME COLUMN legacy', 'execute'), phase: 'expand' },
    ]);
    expect(findings[0]!.message).toContain('"ban-drop-column" matched no finding');
  });

  it('pgtandem-ignore-file applies to every statement; an ignore below the last call is not followed by any statement', async () => {
    const ts = `import { sql } from 'kysely';\n// pgtandem-ignore-file renaming-column\nexport async function expand(db: any) {\n  await sql\`ALTER TABLE users RENAME COLUMN a TO b\`.execute(db);\n  // pgtandem-ignore renaming-column\n}\n`;
    const findings = await lintTree({ '0001_users.sql': USERS_SQL, '0002_ignores.ts': ts });
    expect(findings.map((f) => `${f.rule} ${f.line}:${f.column} ${f.message}`)).toEqual(['unused-ignore 5:3 pgtandem-ignore is not followed by any statement']);
  });
});

describe('pgtandem lint on TypeScript migrations (the built CLI)', () => {
  const files = { '0001_users.sql': USERS_SQL, '0002_change.ts': CHANGE_TS, 'helpers/audit.ts': AUDIT_TS };

  it('--format json: one document, findings on the .ts path, exit 1', async () => {
    const dir = tree(files);
    const run = await runCli(['lint', '.', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { files: { path: string; statements: number }[]; findings: Finding[] };
    expect(report.files).toContainEqual({ path: '0002_change.ts', statements: 6 });
    expect(report.findings.find((f) => f.rule === 'renaming-column')).toMatchObject({ file: '0002_change.ts', line: 6, column: 53, phase: 'expand' });
  });

  it.each([
    ['pretty', 'await sql`ALTER TABLE users RENAME COLUMN a TO b`.execute(db);'],
    ['github', '::error file=0002_change.ts,line=6,'],
    ['sarif', '"uri": "0002_change.ts"'],
    ['markdown', '0002_change.ts'],
  ])('--format %s shows the .ts file', async (format, expected) => {
    const dir = tree(files);
    const run = await runCli(['lint', '.', '--format', format], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(expected);
  });
});
