import { createRequire } from 'node:module';
import type { Node } from '@pgsql/types';

type LibPgQuery = typeof import('libpg-query');

// Loaded by loadParser, not with this module: a lint the cache answers in full never needs it.
let lib: LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/** libpg-query's sync calls need its WASM module loaded once first. */
export function loadParser(): Promise<void> {
  loading ??= (async () => {
    // libpg-query is CommonJS. Required rather than imported, it loads without the
    // ESM loader's scan of its exports: about 25 ms of CPU in a cold one-file lint.
    const loaded = createRequire(import.meta.url)('libpg-query') as LibPgQuery;
    await loaded.loadModule();
    lib = loaded;
  })();
  return loading;
}

function parser(): LibPgQuery {
  if (!lib) throw new Error('the SQL parser is not loaded: await loadParser() first');
  return lib;
}

/** libpg-query's PL/pgSQL parser (function bodies, DO blocks); throws on bad input. */
export function parsePlPgSql(text: string): ReturnType<LibPgQuery['parsePlPgSQLSync']> {
  return parser().parsePlPgSQLSync(text);
}

export interface RawStatement {
  stmt: Node;
  /** UTF-8 byte offsets into the parsed text. */
  location: number;
  length: number;
}

export type ParseOutcome =
  | { ok: true; statements: RawStatement[] }
  | { ok: false; message: string; byteOffset: number };

/** Parse with the real PostgreSQL grammar; never throws for bad SQL. */
export function parseSql(text: string): ParseOutcome {
  const pg = parser();
  try {
    const result = pg.parseSync(wellFormed(text)) as { stmts?: Array<{ stmt: Node; stmt_location?: number; stmt_len?: number }> };
    return {
      ok: true,
      statements: (result.stmts ?? []).map((s) => ({
        stmt: s.stmt,
        location: s.stmt_location ?? 0,
        length: s.stmt_len ?? 0,
      })),
    };
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    // PostgreSQL reports the error cursor in characters, not bytes like every other location.
    return { ok: false, message, byteOffset: utf8Length(text, Math.max(0, details?.cursorPosition ?? 0)) };
  }
}

export interface RawToken {
  start: number;
  end: number;
  name: string;
  keyword: boolean;
}

/** The PostgreSQL scanner's tokens (byte offsets), or undefined when it cannot lex the text. */
export function scanSql(text: string): RawToken[] | undefined {
  const pg = parser();
  try {
    return pg.scanSync(wellFormed(text)).tokens.map((t) => ({
      start: t.start,
      end: t.end,
      name: t.tokenName,
      keyword: t.keywordKind !== 0,
    }));
  } catch {
    return undefined;
  }
}

/**
 * Lone UTF-16 surrogates become U+FFFD (same length in the string and in UTF-8):
 * libpg-query sizes its input buffer assuming every surrogate starts a pair, so
 * a lone one can cut off the end of the text it parses.
 */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** UTF-8 byte length of the first `characters` code points of `text` (past the end: one byte each). */
function utf8Length(text: string, characters: number): number {
  let bytes = 0;
  let i = 0;
  let n = 0;
  for (; n < characters && i < text.length; n++) {
    const c = text.codePointAt(i)!;
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += c >= 0x10000 ? 2 : 1;
  }
  return bytes + (characters - n);
}
