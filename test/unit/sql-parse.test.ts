import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import type { Segment } from '../../src/migrations/migration.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { loadParser, scanSql } from '../../src/sql/pg-parser.js';
import type { Statement } from '../../src/sql/statement.js';
import { coreFindings } from '../support/core-rules.js';

beforeAll(async () => {
  await loadParser();
});

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

function whole(text: string): Segment {
  return { phase: 'expand', start: 0, end: text.length };
}

function parse(text: string): Statement[] {
  return parseSegment(text, whole(text)).statements;
}

function summary(statements: Statement[]): Array<{ kind: string; text: string }> {
  return statements.map((s) => ({ kind: s.kind, text: s.text }));
}

describe('parseSegment: statement boundaries', () => {
  it('splits a segment at the parser’s boundaries; comments between statements and the final `;` are not part of a statement', () => {
    const text = [
      '-- users get an email',
      'CREATE TABLE users (id bigint PRIMARY KEY, email text); /* trailing */ -- and a line comment',
      '',
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$',
      'BEGIN',
      '  NEW.updated_at := now();',
      '  RETURN NEW;',
      'END;',
      '$fn$;',
      "DO $$ BEGIN PERFORM 1; RAISE NOTICE 'a;b'; END $$;",
      'SELECT 1',
    ].join('\n');
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'CreateStmt', text: 'CREATE TABLE users (id bigint PRIMARY KEY, email text)' },
      {
        kind: 'CreateFunctionStmt',
        text: 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$fn$',
      },
      { kind: 'DoStmt', text: "DO $$ BEGIN PERFORM 1; RAISE NOTICE 'a;b'; END $$" },
      { kind: 'SelectStmt', text: 'SELECT 1' },
    ]);
    expect(statements.map((s) => [s.start, s.end])).toEqual([
      [text.indexOf('CREATE TABLE'), text.indexOf('; /* trailing')],
      [text.indexOf('CREATE FUNCTION'), text.indexOf('$fn$;') + 4],
      [text.indexOf('DO $$'), text.indexOf(' END $$;') + 7],
      [text.indexOf('SELECT 1'), text.length],
    ]);
    expect(statements[0]!.tokens.map((t) => t.text)).toEqual(['CREATE', 'TABLE', 'users', '(', 'id', 'bigint', 'PRIMARY', 'KEY', ',', 'email', 'text', ')']);
  });

  it('returns every token of the segment, comments included, for ignore directives', () => {
    const text = '-- pgtandem-ignore ban-drop-table: x\nDROP TABLE t; /* done */';
    const tokens = parseSegment(text, whole(text)).tokens;
    expect(tokens.filter((t) => t.kind === 'comment').map((t) => t.text)).toEqual(['-- pgtandem-ignore ban-drop-table: x', '/* done */']);
  });

  it('gives offsets into the whole file for a segment that starts later in it', () => {
    const text = 'ALTER TABLE users ADD COLUMN email_lower text;\n-- pgtandem:migrate\nUPDATE users SET email_lower = lower(email);\n';
    const start = text.indexOf('UPDATE');
    const [statement, ...rest] = parseSegment(text, { phase: 'migrate', start, end: text.length }).statements;
    expect(rest).toEqual([]);
    expect(statement).toMatchObject({ kind: 'UpdateStmt', start, end: text.length - 2, text: 'UPDATE users SET email_lower = lower(email)' });
    expect(statement!.segment.phase).toBe('migrate');
    // A parser location (bytes in the parsed text) becomes a file offset.
    expect(statement!.offsetOf(7)).toBe(text.indexOf('users SET'));
  });

  it('parses empty text and comment-only text to no statements', () => {
    expect(parse('')).toEqual([]);
    expect(parse('  \n\t\n')).toEqual([]);
    expect(parse('-- nothing here\n/* still /* nested */ nothing */\n')).toEqual([]);
    expect(parse(';;;\n;')).toEqual([]);
  });
});

describe('parseSegment: syntax-error recovery', () => {
  it('the 2nd of 4 statements is invalid: one Invalid statement, the error at the bad token, the other three parsed', () => {
    const text = [
      'ALTER TABLE users ADD COLUMN email text;',
      'ALTER TABEL users DROP COLUMN legacy;',
      'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      'DROP TABLE old_sessions;',
      '',
    ].join('\n');
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'AlterTableStmt', text: 'ALTER TABLE users ADD COLUMN email text' },
      { kind: 'Invalid', text: 'ALTER TABEL users DROP COLUMN legacy' },
      { kind: 'IndexStmt', text: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email)' },
      { kind: 'DropStmt', text: 'DROP TABLE old_sessions' },
    ]);
    const invalid = statements[1]!;
    expect(invalid.node).toBeUndefined();
    expect(invalid.error).toEqual({ message: 'syntax error at or near "TABEL"', offset: text.indexOf('TABEL') });
    expect(statements.filter((s) => s.error !== undefined)).toHaveLength(1);
  });

  it('the error offset is at the bad token even after multi-byte characters in the same statement', () => {
    // PostgreSQL's error cursor counts characters, not bytes.
    const text = "SELECT 1;\nCOMMENT ON TABLE users IS 'naïve 日本 😀' WITH;\n";
    const invalid = parse(text).find((s) => s.kind === 'Invalid');
    expect(invalid?.error).toEqual({ message: 'syntax error at or near "WITH"', offset: text.indexOf('WITH') });
  });

  it('an unterminated string literal: the PostgreSQL scanner gives up, the forgiving lexer finds the boundaries', () => {
    const text = "ALTER TABLE users ADD COLUMN bio text;\nUPDATE users SET bio = 'it''s;\nDROP TABLE t;\n";
    expect(scanSql(text)).toBeUndefined();
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'AlterTableStmt', text: 'ALTER TABLE users ADD COLUMN bio text' },
      // The literal never ends: it runs to the end of the text, taking the DROP with it.
      { kind: 'Invalid', text: "UPDATE users SET bio = 'it''s;\nDROP TABLE t;\n" },
    ]);
    expect(statements[1]!.error?.message).toMatch(/^unterminated quoted string at or near "'it''s;/);
    expect(statements[1]!.error?.offset).toBe(text.indexOf("'it''s"));
  });

  it('an unterminated dollar-quoted body is one Invalid statement to the end', () => {
    const text = 'SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1;\nSELECT 2;\n';
    const statements = parse(text);
    expect(statements.map((s) => s.kind)).toEqual(['SelectStmt', 'Invalid']);
    expect(statements[1]!.error?.message).toMatch(/^unterminated dollar-quoted string/);
  });

  it('an unterminated block comment is a syntax error, not a comment that silently hides the statements after it', () => {
    const text = 'SELECT 1;\n/* outer /* inner */ never closed\nDROP TABLE users;\n';
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'SelectStmt', text: 'SELECT 1' },
      { kind: 'Invalid', text: '/* outer /* inner */ never closed\nDROP TABLE users;\n' },
    ]);
    expect(statements[1]!.error).toEqual({ message: 'unterminated /* comment at or near "/* outer /* inner */ never closed\nDROP TABLE users;\n"', offset: 10 });
  });

  it('CREATE FUNCTION … BEGIN ATOMIC … END with inner semicolons stays one statement in a file that also has an invalid one', () => {
    const text = [
      'CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT i + 1;',
      '  SELECT i + 1;',
      'END;',
      'ALTER TABEL users ADD COLUMN x int;',
      'CREATE TABLE t (id int);',
      '',
    ].join('\n');
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'CreateFunctionStmt', text: 'CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT i + 1;\n  SELECT i + 1;\nEND' },
      { kind: 'Invalid', text: 'ALTER TABEL users ADD COLUMN x int' },
      { kind: 'CreateStmt', text: 'CREATE TABLE t (id int)' },
    ]);
  });

  it('a quoted identifier or string holding `;` does not split a statement during recovery', () => {
    const text = 'ALTER TABLE t ADD COLUMN "a;b" int;\nSELEC 1;\nSELECT $$;$$, E\'\\\';\';\n';
    expect(summary(parse(text))).toEqual([
      { kind: 'AlterTableStmt', text: 'ALTER TABLE t ADD COLUMN "a;b" int' },
      { kind: 'Invalid', text: 'SELEC 1' },
      { kind: 'SelectStmt', text: "SELECT $$;$$, E'\\';'" },
    ]);
  });
});

describe('parseSegment: template placeholders', () => {
  it('a Go template `{{ index .Options "Namespace" }}` parses as a schema name without moving any position', () => {
    const template = '{{ index .Options "Namespace" }}';
    const text = `CREATE TABLE ${template}.users (id bigint);\nCREATE INDEX users_id_idx ON ${template}.users (id);\n`;
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'CreateStmt', text: `CREATE TABLE ${template}.users (id bigint)` },
      { kind: 'IndexStmt', text: `CREATE INDEX users_id_idx ON ${template}.users (id)` },
    ]);
    const create = statements[0]!;
    const relation = 'CreateStmt' in create.node! ? create.node.CreateStmt.relation : undefined;
    expect(relation?.relname).toBe('users');
    expect(relation?.schemaname).toHaveLength(template.length);
    // The same template names the same schema in both statements.
    const index = statements[1]!;
    expect('IndexStmt' in index.node! ? index.node.IndexStmt.relation?.schemaname : undefined).toBe(relation?.schemaname);
    // Tokens after the template sit exactly where the file has them.
    const users = index.tokens.find((t) => t.text === 'users');
    expect(users?.start).toBe(text.lastIndexOf('users ('));
    expect(index.offsetOf(relation!.location!)).toBe(text.indexOf(template));
  });

  it('a Flyway placeholder `${schema}` parses, also in a file recovering from a syntax error', () => {
    const text = 'CREATE INDEX t_a_idx ON ${schema}.t (a);\nALTER TABEL ${schema}.t ADD COLUMN b int;\nDROP TABLE ${schema}.old;\n';
    const statements = parse(text);
    expect(summary(statements)).toEqual([
      { kind: 'IndexStmt', text: 'CREATE INDEX t_a_idx ON ${schema}.t (a)' },
      { kind: 'Invalid', text: 'ALTER TABEL ${schema}.t ADD COLUMN b int' },
      { kind: 'DropStmt', text: 'DROP TABLE ${schema}.old' },
    ]);
    expect(statements[1]!.error?.offset).toBe(text.indexOf('TABEL'));
    const t = statements[0]!.tokens.find((token) => token.text === 't');
    expect(t?.start).toBe(text.indexOf('.t (a)') + 1);
  });
});

describe('unreadable input through lint()', () => {
  it('a text with NUL bytes is a binary file: one syntax-error at 1:1, no statements, no crash', async () => {
    const result = await lint({
      sources: [{ path: 'm/0001_x.sql', text: 'SELECT 1;\nSELECT \u0000;\nCREATE INDEX i ON t (a);\n', layout: 'native' }],
      configFile: false,
    });
    expect(result.files.map((f) => f.statements)).toEqual([0]);
    expect(coreFindings(result.findings).map((f) => [f.rule, f.severity, f.line, f.column, f.message])).toEqual([
      ['syntax-error', 'error', 1, 1, 'binary file (NUL byte at character 17)'],
    ]);
  });

  it('a file with invalid UTF-8: a syntax-error at the bad byte, and the rest of the file is still linted', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pgtandem-sql-parse-'));
    roots.push(root);
    const bytes = Buffer.concat([
      Buffer.from("SELECT 1;\nCOMMENT ON TABLE users IS 'caf"),
      Buffer.from([0xe9]), // Latin-1 é
      Buffer.from("';\nCREATE INDEX users_email_idx ON users (email);\n"),
    ]);
    await writeFile(join(root, '0001_x.sql'), bytes);
    const result = await lint({ paths: [root], configFile: false });
    expect(result.files.map((f) => f.statements)).toEqual([3]);
    expect(coreFindings(result.findings).map((f) => [f.rule, f.line, f.column, f.endLine, f.endColumn, f.message])).toEqual([
      ['syntax-error', 2, 31, 2, 32, 'invalid UTF-8 at byte 40 (0xE9); decoded with replacement characters'],
      [
        'require-concurrent-index-creation',
        3,
        1,
        3,
        13,
        'CREATE INDEX without CONCURRENTLY takes a SHARE lock on users: every write to it is blocked (reads go on) until the index is built.',
      ],
    ]);
  });

  it('lone UTF-16 surrogates in an in-memory source neither crash nor cut off the statements after them', async () => {
    const result = await lint({
      sources: [{ path: 'm/0001_x.sql', text: "SELECT '\uDC00日本';\nSELECT '\uD800é' FROM FROM;\nCREATE INDEX i ON t (a);\n", layout: 'native' }],
      configFile: false,
    });
    expect(result.files.map((f) => f.statements)).toEqual([3]);
    expect(coreFindings(result.findings).map((f) => [f.rule, f.line, f.column, f.endColumn])).toEqual([
      ['syntax-error', 2, 18, 22],
      ['require-concurrent-index-creation', 3, 1, 13],
    ]);
  });
});

/** About 5 MB of ALTER TABLE statements, statements `badAt` being invalid. */
function generatedMigration(badAt: readonly number[]): { text: string; count: number } {
  const lines: string[] = [];
  let size = 0;
  while (size < 5_000_000) {
    const i = lines.length;
    const line = badAt.includes(i) ? `ALTER TABEL t${i} ADD COLUMN c${i} int;\n` : `ALTER TABLE t${i % 50} ADD COLUMN c${i} text DEFAULT 'value ${i}';\n`;
    lines.push(line);
    size += line.length;
  }
  return { text: lines.join(''), count: lines.length };
}

describe('a ~5 MB generated migration', () => {
  const bad = [1_000, 40_000];

  it('parses into every statement, the two invalid ones as Invalid', () => {
    const { text, count } = generatedMigration(bad);
    expect(text.length).toBeGreaterThanOrEqual(5_000_000);
    const statements = parse(text);
    expect(statements).toHaveLength(count);
    expect(statements.filter((s) => s.kind === 'Invalid').map((s) => s.text)).toEqual([
      'ALTER TABEL t1000 ADD COLUMN c1000 int',
      'ALTER TABEL t40000 ADD COLUMN c40000 int',
    ]);
    expect(statements.at(-1)?.text).toBe(`ALTER TABLE t${(count - 1) % 50} ADD COLUMN c${count - 1} text DEFAULT 'value ${count - 1}'`);
  });

  // ~81k statements in one transaction: once quadratic (minutes of synchronous work), now linear.
  it(
    'lints through lint() without crashing and reports every statement and both syntax errors',
    async () => {
      const { text, count } = generatedMigration(bad);
      const result = await lint({ sources: [{ path: 'm/0001_big.sql', text, layout: 'native' }], configFile: false });
      expect(result.files.map((f) => f.statements)).toEqual([count]);
      expect(coreFindings(result.findings).map((f) => [f.rule, f.line, f.column])).toEqual([
        ['syntax-error', 1_001, 7],
        ['syntax-error', 40_001, 7],
      ]);
    },
    60_000,
  );
});
