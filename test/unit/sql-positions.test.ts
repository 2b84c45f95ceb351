import { beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import type { Finding } from '../../src/lint/finding.js';
import { ByteOffsets } from '../../src/sql/byte-offsets.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { SourceText } from '../../src/sql/source-text.js';
import { coreFindings } from '../support/core-rules.js';

beforeAll(async () => {
  await loadParser();
});

describe('SourceText: string offsets to 1-based line and column', () => {
  it('LF ends a line; the newline itself is the last column of its line', () => {
    const source = new SourceText('ab\ncd');
    expect(source.lineCount).toBe(2);
    expect(source.position(0)).toEqual({ line: 1, column: 1 });
    expect(source.position(2)).toEqual({ line: 1, column: 3 });
    expect(source.position(3)).toEqual({ line: 2, column: 1 });
    expect(source.position(5)).toEqual({ line: 2, column: 3 });
  });

  it('CRLF is one line break, not two', () => {
    const source = new SourceText('ab\r\ncd\r\nef');
    expect(source.lineCount).toBe(3);
    expect(source.position(2)).toEqual({ line: 1, column: 3 });
    expect(source.position(3)).toEqual({ line: 1, column: 4 });
    expect(source.position(4)).toEqual({ line: 2, column: 1 });
    expect(source.position(8)).toEqual({ line: 3, column: 1 });
    expect(source.position(9)).toEqual({ line: 3, column: 2 });
  });

  it('a lone CR ends a line, as it does for the PostgreSQL scanner', () => {
    const source = new SourceText('ab\rcd\r\nef\ngh');
    expect(source.lineCount).toBe(4);
    expect(source.position(3)).toEqual({ line: 2, column: 1 });
    expect(source.position(7)).toEqual({ line: 3, column: 1 });
    expect(source.position(10)).toEqual({ line: 4, column: 1 });
    expect(source.position(11)).toEqual({ line: 4, column: 2 });
  });

  it('a trailing newline opens an empty last line', () => {
    const source = new SourceText('SELECT 1;\n');
    expect(source.lineCount).toBe(2);
    expect(source.position(10)).toEqual({ line: 2, column: 1 });
  });

  it('counts columns in code points: é and 日本 one each, the emoji 😀 (two UTF-16 units) one', () => {
    const text = 'é日本😀x';
    const source = new SourceText(text);
    expect(source.position(text.indexOf('日'))).toEqual({ line: 1, column: 2 });
    expect(source.position(text.indexOf('😀'))).toEqual({ line: 1, column: 4 });
    expect(source.position(text.indexOf('x'))).toEqual({ line: 1, column: 5 });
    expect(source.position(text.length)).toEqual({ line: 1, column: 6 });
  });

  it('columns after emoji on a CRLF line count from that line start', () => {
    const text = 'SELECT 1;\r\n-- 😀😀 日本\r\n  x';
    const source = new SourceText(text);
    expect(source.position(text.indexOf('日'))).toEqual({ line: 2, column: 7 });
    expect(source.position(text.indexOf('x'))).toEqual({ line: 3, column: 3 });
  });

  it('a joined emoji sequence counts as its code points (👩‍💻 is three: woman, ZWJ, laptop)', () => {
    const text = '👩‍💻x';
    expect(new SourceText(text).position(text.indexOf('x'))).toEqual({ line: 1, column: 4 });
  });

  it('clamps offsets outside the text', () => {
    const source = new SourceText('ab\ncd');
    expect(source.position(-3)).toEqual({ line: 1, column: 1 });
    expect(source.position(99)).toEqual({ line: 2, column: 3 });
  });

  it('an empty text is one empty line', () => {
    const source = new SourceText('');
    expect(source.lineCount).toBe(1);
    expect(source.position(0)).toEqual({ line: 1, column: 1 });
  });
});

describe('ByteOffsets: UTF-8 byte offsets (libpg-query) to string indexes', () => {
  it('ASCII maps to itself', () => {
    const offsets = new ByteOffsets('SELECT 1;');
    expect(offsets.byteLength).toBe(9);
    expect(offsets.toIndex(0)).toBe(0);
    expect(offsets.toIndex(7)).toBe(7);
    expect(offsets.toIndex(9)).toBe(9);
  });

  it('é is 2 bytes, 日 3 bytes, 😀 4 bytes (and 2 string units)', () => {
    const offsets = new ByteOffsets('aé日😀b');
    expect(offsets.byteLength).toBe(11);
    expect(offsets.toIndex(0)).toBe(0); // a
    expect(offsets.toIndex(1)).toBe(1); // é
    expect(offsets.toIndex(3)).toBe(2); // 日
    expect(offsets.toIndex(6)).toBe(3); // 😀
    expect(offsets.toIndex(10)).toBe(5); // b
    expect(offsets.toIndex(11)).toBe(6); // end
  });

  it('ASCII runs after multi-byte characters are counted from the last one', () => {
    const offsets = new ByteOffsets("'日本' FROM users");
    // ' (1) 日本 (6) ' (1) space (1) = byte 9 is FROM, string index 5
    expect(offsets.toIndex(9)).toBe(5);
    expect(offsets.toIndex(14)).toBe(10); // users
  });

  it('agrees with Node’s UTF-8 encoder at every character boundary', () => {
    const text = 'ALTER TABLE "ユーザー😀" ADD COLUMN café text; -- 👩‍💻 ñ\r\nSELECT 1;';
    const offsets = new ByteOffsets(text);
    expect(offsets.byteLength).toBe(Buffer.byteLength(text, 'utf8'));
    for (let i = 0; i <= text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0xdc00 && code <= 0xdfff) continue; // inside a surrogate pair
      expect(offsets.toIndex(Buffer.byteLength(text.slice(0, i), 'utf8'))).toBe(i);
    }
  });

  it('a lone high surrogate is one 3-byte character and does not swallow the next one', () => {
    const text = '\uD800é;';
    const offsets = new ByteOffsets(text);
    expect(offsets.byteLength).toBe(Buffer.byteLength(text, 'utf8')); // 3 + 2 + 1
    expect(offsets.byteLength).toBe(6);
    expect(offsets.toIndex(3)).toBe(1); // é
    expect(offsets.toIndex(5)).toBe(2); // ;
  });
});

async function lintNative(text: string): Promise<Finding[]> {
  const result = await lint({ sources: [{ path: 'm/0001_x.sql', text, layout: 'native' }], configFile: false });
  return coreFindings(result.findings);
}

function at(finding: Finding | undefined): Pick<Finding, 'rule' | 'line' | 'column' | 'endLine' | 'endColumn'> | undefined {
  if (!finding) return undefined;
  const { rule, line, column, endLine, endColumn } = finding;
  return { rule, line, column, endLine, endColumn };
}

describe('finding positions through lint()', () => {
  it('a finding on line 3 after an emoji line, with CRLF line endings, has exact 1-based positions (endColumn exclusive)', async () => {
    const text = [
      'ALTER TABLE users ADD COLUMN bio text;',
      "COMMENT ON COLUMN users.bio IS 'café ☕ 日本 😀😀';",
      'ALTER TABLE "ユーザー😀" RENAME COLUMN name TO full_name;',
      '',
    ].join('\r\n');
    const findings = await lintNative(text);
    // `ALTER TABLE "ユーザー😀" ` is 20 code points, so RENAME starts at column 21;
    // `RENAME COLUMN name TO full_name` is 31 code points: the last `e` is column 51, the end 52.
    expect(findings.map(at)).toEqual([{ rule: 'renaming-column', line: 3, column: 21, endLine: 3, endColumn: 52 }]);
  });

  it('a syntax error after emoji in the same statement points at the bad token', async () => {
    // PostgreSQL reports the error cursor in characters; the rest of libpg-query in bytes.
    const text = "SELECT 1;\r\nSELECT '😀😀' FROM FROM;\r\n";
    const findings = await lintNative(text);
    // `SELECT '😀😀' FROM ` is 17 code points: the second FROM spans columns 18–21.
    expect(findings.map(at)).toEqual([{ rule: 'syntax-error', line: 2, column: 18, endLine: 2, endColumn: 22 }]);
    expect(findings[0]?.message).toBe('PostgreSQL cannot parse this statement: syntax error at or near "FROM"');
  });

  it('a syntax error after many 3-byte characters is not shifted left', async () => {
    const text = "COMMENT ON TABLE users IS '日本語のテキスト' WITH;\n";
    const findings = await lintNative(text);
    // `COMMENT ON TABLE users IS '日本語のテキスト' ` is 37 code points.
    expect(findings.map(at)).toEqual([{ rule: 'syntax-error', line: 1, column: 38, endLine: 1, endColumn: 42 }]);
  });

  it('lines ended by a lone CR are counted', async () => {
    const findings = await lintNative('SELECT 1;\rCREATE INDEX users_email_idx ON users (email);\r');
    expect(findings.map(at)).toEqual([{ rule: 'require-concurrent-index-creation', line: 2, column: 1, endLine: 2, endColumn: 13 }]);
  });

  it('a finding spanning lines ends on its last line', async () => {
    const text = 'ALTER TABLE users\n  RENAME COLUMN name\n  TO full_name;\n';
    const findings = await lintNative(text);
    expect(findings.map(at)).toEqual([{ rule: 'renaming-column', line: 2, column: 3, endLine: 3, endColumn: 15 }]);
  });
});
