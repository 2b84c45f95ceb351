import type { Node } from '@pgsql/types';
import { ByteOffsets } from './byte-offsets.js';
import { parsePlPgSql, parseSql } from './pg-parser.js';
import type { Statement } from './statement.js';
import type { Token } from './token.js';
import { lexForgiving } from './lex-forgiving.js';

/**
 * The SQL statements hidden inside a `DO` block or a function body, as
 * statements of their own with positions in the file, so every rule sees
 * them. PL/pgSQL bodies go through PostgreSQL's PL/pgSQL parser, which gives
 * each embedded statement's text and line; SQL-language bodies are parsed as
 * SQL. A dynamic `EXECUTE` cannot be analysed: it becomes a `DynamicSql`
 * statement with no parse tree, which only `dynamic-sql-not-analyzed` reads.
 */
export function nestedStatements(parent: Statement): Statement[] {
  const routine = routineOf(parent.node);
  if (!routine) return [];
  const found = statementsIn(parent, routine);
  // A function's queries are the application's work when it is called (a trigger updating a row is
  // no backfill); only its DDL is migration work hidden in a body. A DO block runs everything now.
  return routine.kind === 'function' ? found.filter((s) => !DML.has(s.kind)) : found;
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
const DDL_WORD = /\b(ALTER|CREATE|DROP|TRUNCATE|REINDEX|VACUUM|CLUSTER|LOCK|COMMENT|GRANT|REVOKE|EXECUTE|REFRESH)\b/i;

function statementsIn(parent: Statement, routine: { kind: 'do' | 'function'; language: Language }): Statement[] {
  // A function body without DDL holds only the application's queries, which are not linted (see above).
  if (routine.kind === 'function' && !DDL_WORD.test(bodyContent(parent.node) ?? '')) return [];
  const body = bodyOf(parent, routine.kind);
  if (!body) return [];
  if (routine.language === 'sql') return sqlStatements(parent, routine.kind, body.text, body.start);
  if (routine.language !== 'plpgsql') return [];
  let tree: unknown;
  try {
    tree = parsePlPgSql(parent.text);
  } catch {
    // An invalid body fails at CREATE FUNCTION / DO time; the statement itself parsed, so say nothing more here.
    return [];
  }
  const found: Statement[] = [];
  for (const embedded of embeddedSql(tree)) {
    const lineStart = lineOffset(body.text, embedded.lineno);
    if (embedded.dynamic) {
      const match = /\bEXECUTE\b/i.exec(body.text.slice(lineStart));
      const at = match ? lineStart + match.index : lineStart;
      const lineEnd = body.text.slice(at).search(/[\r\n]|$/);
      found.push(pseudoStatement(parent, routine.kind, body.start + at, body.start + at + Math.max(lineEnd, 7)));
      continue;
    }
    let index = body.text.indexOf(embedded.query, lineStart);
    if (index === -1) index = body.text.indexOf(embedded.query);
    if (index === -1) continue;
    found.push(...sqlStatements(parent, routine.kind, embedded.query, body.start + index));
  }
  return found;
}

type Language = 'plpgsql' | 'sql' | 'other';

function routineOf(node: Node | undefined): { kind: 'do' | 'function'; language: Language } | undefined {
  if (!node) return undefined;
  if ('DoStmt' in node) {
    const language = (node.DoStmt.args ?? []).map(optionValue('language')).find((v) => v !== undefined);
    return { kind: 'do', language: normalize(language ?? 'plpgsql') };
  }
  if ('CreateFunctionStmt' in node) {
    const options = node.CreateFunctionStmt.options ?? [];
    const language = options.map(optionValue('language')).find((v) => v !== undefined);
    // BEGIN ATOMIC bodies are parsed with the statement already (sql_body); nothing is hidden.
    if (node.CreateFunctionStmt.sql_body) return undefined;
    return { kind: 'function', language: normalize(language ?? 'sql') };
  }
  return undefined;
}

function normalize(language: string): Language {
  const lower = language.toLowerCase();
  return lower === 'plpgsql' || lower === 'sql' ? lower : 'other';
}

function optionValue(name: string): (node: Node) => string | undefined {
  return (node) => {
    if (!('DefElem' in node) || node.DefElem.defname !== name) return undefined;
    const arg = node.DefElem.arg;
    return arg && 'String' in arg ? arg.String.sval : undefined;
  };
}

/**
 * The body string's content and where it starts in the file. The parse tree
 * holds the content; a dollar-quoted body appears verbatim in the statement,
 * so finding it needs no scan. Quoted bodies (with '' escapes) fall back to the
 * tokens.
 */
function bodyOf(parent: Statement, kind: 'do' | 'function'): { text: string; start: number } | undefined {
  const content = bodyContent(parent.node);
  if (content !== undefined) {
    const at = dollarBodyStart(parent.text, content);
    if (at !== -1) return { text: content, start: parent.start + at };
  }
  return bodyFromTokens(parent, kind);
}

function bodyContent(node: Node | undefined): string | undefined {
  const options = node && 'DoStmt' in node ? node.DoStmt.args : node && 'CreateFunctionStmt' in node ? node.CreateFunctionStmt.options : undefined;
  for (const option of options ?? []) {
    if (!('DefElem' in option) || option.DefElem.defname !== 'as') continue;
    const arg = option.DefElem.arg;
    if (arg && 'String' in arg) return arg.String.sval;
    if (arg && 'List' in arg) {
      const first = arg.List.items?.[0];
      return first && 'String' in first ? first.String.sval : undefined;
    }
  }
  return undefined;
}

/** Where `content` starts right after a `$tag$` opener in `text`, or -1. */
function dollarBodyStart(text: string, content: string): number {
  const opener = /\$([A-Za-z_][A-Za-z_0-9]*)?\$/g;
  for (let match = opener.exec(text); match; match = opener.exec(text)) {
    const start = match.index + match[0].length;
    if (text.startsWith(content, start) && text.startsWith(match[0], start + content.length)) return start;
  }
  return -1;
}

function bodyFromTokens(parent: Statement, kind: 'do' | 'function'): { text: string; start: number } | undefined {
  const tokens = parent.tokens;
  let from = 0;
  if (kind === 'function') {
    from = tokens.findIndex((t) => t.upper === 'AS');
    if (from === -1) return undefined;
  }
  const token = tokens.slice(from).find((t) => t.kind === 'string');
  if (!token) return undefined;
  const dollar = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(token.text);
  if (dollar) return { text: token.text.slice(dollar[0].length, token.text.length - dollar[0].length), start: token.start + dollar[0].length };
  // A quoted body: positions inside it are exact only without doubled quotes, which is the common case.
  if (token.text.startsWith("'")) return { text: token.text.slice(1, -1).replace(/''/g, "'"), start: token.start + 1 };
  return undefined;
}

interface EmbeddedSql {
  lineno: number;
  query: string;
  dynamic: boolean;
}

const DYNAMIC = new Set(['PLpgSQL_stmt_dynexecute', 'PLpgSQL_stmt_dynfors']);

/** Every statement the PL/pgSQL parse tree holds, static or dynamic, in tree order. */
function embeddedSql(tree: unknown): EmbeddedSql[] {
  const found: EmbeddedSql[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      const stmt = inner as { lineno?: number; sqlstmt?: { PLpgSQL_expr?: { query?: string } }; dynquery?: unknown };
      if (key === 'PLpgSQL_stmt_execsql' && stmt.sqlstmt?.PLpgSQL_expr?.query) {
        found.push({ lineno: stmt.lineno ?? 1, query: stmt.sqlstmt.PLpgSQL_expr.query, dynamic: false });
      } else if (DYNAMIC.has(key) || (key === 'PLpgSQL_stmt_return_query' && stmt.dynquery)) {
        found.push({ lineno: stmt.lineno ?? 1, query: '', dynamic: true });
      }
      visit(inner);
    }
  };
  visit(tree);
  return found;
}

/** Offset of 1-based line `lineno` of `text` (line 1 starts at 0). */
function lineOffset(text: string, lineno: number): number {
  let offset = 0;
  for (let line = 1; line < lineno; line++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return offset;
    offset = next + 1;
  }
  return offset;
}

function sqlStatements(parent: Statement, kind: 'do' | 'function', sql: string, base: number): Statement[] {
  const outcome = parseSql(sql);
  if (!outcome.ok) return [];
  const bytes = new ByteOffsets(sql);
  const fileText = parent.text;
  const textAt = (start: number, end: number): string => fileText.slice(start - parent.start, end - parent.start);
  return outcome.statements.flatMap((raw) => {
    const from = bytes.toIndex(raw.location);
    const to = raw.length > 0 ? bytes.toIndex(raw.location + raw.length) : sql.length;
    const slice = sql.slice(from, to);
    const start = base + from + (slice.length - slice.trimStart().length);
    const end = base + from + slice.trimEnd().length;
    if (end <= start) return [];
    let tokens: Token[] | undefined;
    const statement: Statement = {
      kind: Object.keys(raw.stmt)[0] ?? 'Unknown',
      node: raw.stmt,
      start,
      end,
      text: textAt(start, end),
      get tokens(): Token[] {
        tokens ??= lexForgiving(sql.slice(start - base, end - base), start).filter((t) => t.kind !== 'comment');
        return tokens;
      },
      segment: parent.segment,
      offsetOf: (location) => base + bytes.toIndex(location),
      container: { kind, parent },
    };
    return [statement];
  });
}

function pseudoStatement(parent: Statement, kind: 'do' | 'function', start: number, end: number): Statement {
  return {
    kind: 'DynamicSql',
    node: undefined,
    start,
    end,
    text: parent.text.slice(start - parent.start, end - parent.start),
    tokens: [],
    segment: parent.segment,
    offsetOf: () => start,
    container: { kind, parent },
  };
}
