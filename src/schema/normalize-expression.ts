import { parseSql } from '../sql/pg-parser.js';

/**
 * An expression's text reduced to what survives the trip through PostgreSQL,
 * so that a default or index expression as the replay wrote it compares equal
 * to the server's `pg_get_expr` of the same thing. PostgreSQL adds casts to
 * literals (`'x'::text`, `'-1'::integer`), qualifies functions and sequences
 * outside its search path (`public.uuid_generate_v4()`,
 * `'public.users_id_seq'::regclass`), adds parentheses and spells keywords in
 * capitals; the replay may write any of them as the migration did. Compared
 * after this reduction:
 *
 * - casts (`::type`, with modifiers and `[]`, and `CAST(x AS type)`) are removed;
 * - a quoted numeric literal is unquoted (`'-1'` → `-1`);
 * - schema qualifiers of function calls and of the sequence name in a
 *   `::regclass` or `nextval('…')` literal are removed;
 * - outside string literals: lower case, whitespace kept only between two
 *   words (`now() AT TIME ZONE` and `: :` from text rebuilt out of tokens
 *   both lose theirs), parentheses around a lone name and around the whole
 *   expression removed.
 *
 * This can make two different expressions equal (`'1'::text` and `1`), never
 * two equal ones different in the forms above; the comparison it serves
 * (defaults, index keys) keeps volatility and presence exact.
 */
export function normalizeExpression(text: string): string {
  let parts = splitLiterals(castsAsOperators(text.trim()));
  parts = unqualifyRegclassLiterals(parts);
  let out = '';
  for (const part of parts) {
    if (part.literal) {
      const inner = part.text.slice(1, -1);
      out += /^-?\d+(\.\d+)?$/.test(inner) ? inner : part.text;
    } else {
      out += normalizeCode(part.text);
    }
  }
  return stripEnclosingParentheses(out.trim());
}

/** `CAST(x AS type)` → `(x)::type`, the form PostgreSQL prints (its `::type` then goes like any other cast). */
function castsAsOperators(text: string): string {
  let result = text;
  for (let from = 0; ; ) {
    const match = /\bcast\s*\(/i.exec(result.slice(from));
    if (!match) return result;
    const start = from + match.index;
    const open = start + match[0].length - 1;
    const inside = topLevelAs(result, open);
    if (!inside || insideLiteral(result, start)) {
      from = open + 1;
      continue;
    }
    const expression = result.slice(open + 1, inside.as);
    const type = result.slice(inside.as + 4, inside.close).trim();
    result = `${result.slice(0, start)}(${expression})::${type}${result.slice(inside.close + 1)}`;
    from = start + 1;
  }
}

/** The ` AS ` at depth 1 after `open`, and the parenthesis that closes `open`. */
function topLevelAs(text: string, open: number): { as: number; close: number } | undefined {
  let depth = 0;
  let as: number | undefined;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return as === undefined ? undefined : { as, close: i };
    else if (depth === 1 && /\s/.test(ch) && /^\sas\s/i.test(text.slice(i, i + 4))) as = i;
  }
  return undefined;
}

function insideLiteral(text: string, offset: number): boolean {
  let quotes = 0;
  for (let i = 0; i < offset; i++) if (text[i] === "'") quotes++;
  return quotes % 2 === 1;
}

interface Part {
  text: string;
  literal: boolean;
}

/** Splits text into string literals ('…', with '' escapes and an optional E prefix left in code) and code. */
function splitLiterals(text: string): Part[] {
  const parts: Part[] = [];
  let code = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "'") {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === "'" && text[j + 1] === "'") j += 2;
        else if (text[j] === "'") break;
        else j++;
      }
      if (code) parts.push({ text: code, literal: false });
      code = '';
      parts.push({ text: text.slice(i, j + 1), literal: true });
      i = j + 1;
    } else if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end + 1;
      code += text.slice(i, stop);
      i = stop;
    } else {
      code += ch;
      i++;
    }
  }
  if (code) parts.push({ text: code, literal: false });
  return parts;
}

/**
 * `'public.users_id_seq'::regclass` → `'users_id_seq'::regclass`, and the same
 * for the sequence named by `nextval('…')` written without the cast.
 */
function unqualifyRegclassLiterals(parts: Part[]): Part[] {
  return parts.map((part, index) => {
    const previous = parts[index - 1];
    const next = parts[index + 1];
    const isRegclass = (next && !next.literal && /^\s*::\s*regclass\b/i.test(next.text)) || (previous && !previous.literal && /nextval\s*\(\s*$/i.test(previous.text));
    if (!part.literal || !isRegclass) return part;
    const qualified = /^(?:"(?:[^"]|"")+"|[^."]+)\.("(?:[^"]|"")+"|[^."]+)$/.exec(part.text.slice(1, -1));
    return qualified ? { ...part, text: `'${qualified[1]}'` } : part;
  });
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
// A type after `::`: qualified, multi-word (`character varying`, `timestamp with time zone`), with modifiers and array brackets.
const TYPE_WORDS = String.raw`(?:\s+(?:varying|precision|without|with|time|zone))*`;
const CAST = new RegExp(String.raw`\s*::\s*${IDENT}(?:\.${IDENT})?${TYPE_WORDS}(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\d*\s*\])*`, 'g');
const QUALIFIED_CALL = new RegExp(String.raw`(?<![\w$."])${IDENT}\.(?=${IDENT}\s*\()`, 'g');

// Parentheses around a lone name (not a call's argument list): `lower((email)::text)` → `lower(email)`.
const PARENTHESIZED_NAME = new RegExp(String.raw`(?<![\w$"])\(\s*(${IDENT}(?:\.${IDENT})?)\s*\)`, 'g');

function normalizeCode(code: string): string {
  // Whitespace only separates words: `: :` and `- > >` (text rebuilt from tokens) read as `::` and `->>`.
  let text = code.replace(/\s+/g, ' ').replace(/\s*([^\w$" ])\s*/g, '$1').trim();
  text = text.replace(CAST, '');
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(PARENTHESIZED_NAME, '$1');
  }
  return text
    .replace(QUALIFIED_CALL, '')
    .replace(/"([a-z_][a-z0-9_$]*)"/g, '$1')
    .replace(/"(?:[^"]|"")+"|[^"]+/g, (piece) => (piece.startsWith('"') ? piece : piece.toLowerCase()));
}

/** `((a + b))` → `a + b`, but not `(a) + (b)`. */
function stripEnclosingParentheses(text: string): string {
  let current = text;
  while (current.startsWith('(') && current.endsWith(')') && closesAtEnd(current)) current = current.slice(1, -1).trim();
  return current;
}

function closesAtEnd(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

/**
 * Whether two expressions are the same once both are normalized and parsed:
 * parse trees do not keep the parentheses PostgreSQL adds to make precedence
 * explicit (`(a || b) || c`), the spelling of a constant (`-1`, `'-1'`) or
 * where a cast sat. Falls back to the normalized texts when either side does
 * not parse (or the parser is not loaded).
 */
export function sameExpression(a: string, b: string): boolean {
  const left = normalizeExpression(a);
  const right = normalizeExpression(b);
  if (left === right) return true;
  const treeA = canonicalTree(left);
  return treeA !== undefined && treeA === canonicalTree(right);
}

function canonicalTree(text: string): string | undefined {
  const parsed = parseSql(`SELECT ${text}`);
  if (!parsed.ok || parsed.statements.length !== 1) return undefined;
  return JSON.stringify(canonical(parsed.statements[0]!.stmt));
}

/** The tree without locations, casts, function schemas and constant spellings. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if ('TypeCast' in node) return canonical((node.TypeCast as { arg?: unknown }).arg);
  if ('A_Const' in node) return { const: constantText(node.A_Const as Record<string, Record<string, unknown> | undefined>) };
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) {
    if (key === 'location' || key === 'funcformat') continue;
    // `public.f()` and `f()`: the function's schema is left to the search path.
    if (key === 'funcname' && Array.isArray(child)) out[key] = canonical(child.slice(-1));
    else out[key] = canonical(child);
  }
  return out;
}

function constantText(constant: Record<string, Record<string, unknown> | undefined>): string | null {
  if (constant.isnull) return null;
  const value = constant.ival?.ival ?? constant.fval?.fval ?? constant.boolval?.boolval ?? constant.sval?.sval ?? constant.bsval?.bsval;
  const text = String(value ?? (constant.ival ? 0 : constant.boolval ? false : ''));
  // An array literal's spacing is not kept: PostgreSQL stores `'{a, b}'` as `'{a,b}'`.
  return /^\{.*\}$/s.test(text) && !text.includes('"') ? text.replace(/\s*([{},])\s*/g, '$1') : text;
}
