import { loadModule, parseSync, scanSync } from 'libpg-query';
import type { Node } from '@pgsql/types';

let loading: Promise<void> | undefined;

/** libpg-query's sync calls need its WASM module loaded once first. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
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
  try {
    const result = parseSync(text) as { stmts?: Array<{ stmt: Node; stmt_location?: number; stmt_len?: number }> };
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
    return { ok: false, message, byteOffset: Math.max(0, details?.cursorPosition ?? 0) };
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
  try {
    return scanSync(text).tokens.map((t) => ({
      start: t.start,
      end: t.end,
      name: t.tokenName,
      keyword: t.keywordKind !== 0,
    }));
  } catch {
    return undefined;
  }
}
