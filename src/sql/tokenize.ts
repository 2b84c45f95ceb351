import { ByteOffsets } from './byte-offsets.js';
import { lexForgiving } from './lex-forgiving.js';
import { scanSql, type RawToken } from './pg-parser.js';
import type { Token, TokenKind } from './token.js';

/**
 * Tokens of `text` (comments included) with offsets shifted by `base`, from the
 * PostgreSQL scanner; the forgiving lexer takes over only where the scanner
 * gives up.
 */
export function tokenize(text: string, base: number, bytes = new ByteOffsets(text)): Token[] {
  const raw = scanSql(text);
  if (!raw) return lexForgiving(text, base);
  return raw.map((t) => toToken(t, text, base, bytes));
}

function toToken(raw: RawToken, text: string, base: number, bytes: ByteOffsets): Token {
  const start = bytes.toIndex(raw.start);
  const end = bytes.toIndex(raw.end);
  const slice = text.slice(start, end);
  const kind = kindOf(raw, slice);
  return { kind, start: base + start, end: base + end, text: slice, upper: kind === 'word' ? slice.toUpperCase() : slice };
}

function kindOf(raw: RawToken, slice: string): TokenKind {
  if (raw.name === 'SQL_COMMENT' || raw.name === 'C_COMMENT') return 'comment';
  if (raw.keyword) return 'word';
  switch (raw.name) {
    case 'IDENT':
      return slice.startsWith('"') || /^u&"/i.test(slice) ? 'quoted-identifier' : 'word';
    case 'SCONST':
    case 'USCONST':
    case 'BCONST':
    case 'XCONST':
      return 'string';
    case 'ICONST':
    case 'FCONST':
      return 'number';
    case 'PARAM':
      return 'param';
    default:
      return raw.name.startsWith('ASCII_') ? 'punct' : 'other';
  }
}
