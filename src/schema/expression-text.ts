import type { Node } from '@pgsql/types';
import { nameOfList } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import { formatType, type TypeSchemaLookup } from './format-type.js';

/**
 * A column default as PostgreSQL's `pg_get_expr()` prints it, for the common
 * shapes: literals with the cast PostgreSQL adds (`'active'::text`,
 * `'{}'::jsonb`, `'0'::bigint`), calls without arguments (`now()`), SQL value
 * functions (`CURRENT_TIMESTAMP`). Anything else is the expression's source
 * text, which may differ from the server's spelling (casts, parentheses).
 * Undefined for `DEFAULT NULL`, which PostgreSQL does not store.
 */
export function defaultText(expression: Node, columnType: string, statement: Statement, lookup: TypeSchemaLookup): string | undefined {
  if ('A_Const' in expression) {
    const c = expression.A_Const;
    // A bare NULL is not stored; one that goes through a length coercion (varchar(n), numeric(p,s)) is.
    if (c.isnull) return /\(\d/.test(columnType) && !columnType.endsWith('[]') ? `NULL::${withoutModifiers(columnType)}` : undefined;
    return constantText(c, columnType) ?? sourceText(expression, statement);
  }
  if ('TypeCast' in expression) {
    const { arg, typeName } = expression.TypeCast;
    if (arg && 'A_Const' in arg && arg.A_Const.sval && typeName) {
      return literalOfType(arg.A_Const.sval.sval ?? '', withoutModifiers(formatType(typeName, lookup).text));
    }
    // ARRAY[]::text[] stays a cast; ARRAY['a']::text[] prints its elements cast instead.
    if (arg && 'A_ArrayExpr' in arg && typeName) {
      const type = withoutModifiers(formatType(typeName, lookup).text);
      const array = arrayText(arg.A_ArrayExpr.elements ?? [], type.replace(/\[\]$/, ''));
      if (array !== undefined) return (arg.A_ArrayExpr.elements ?? []).length === 0 ? `${array}::${type}` : array;
    }
  }
  if ('A_ArrayExpr' in expression) {
    const array = arrayText(expression.A_ArrayExpr.elements ?? [], withoutModifiers(columnType).replace(/\[\]$/, ''));
    if (array !== undefined && (expression.A_ArrayExpr.elements ?? []).length > 0) return array;
  }
  if ('FuncCall' in expression && (expression.FuncCall.args ?? []).length === 0 && !expression.FuncCall.agg_star) {
    const name = nameOfList(expression.FuncCall.funcname);
    if (name) return `${name.schema && name.schema !== 'pg_catalog' ? `${name.schema}.` : ''}${name.name}()`;
  }
  if ('SQLValueFunction' in expression) {
    const op = (expression.SQLValueFunction.op ?? '').replace(/^SVFOP_/, '');
    if (!op.endsWith('_N')) return op;
  }
  return sourceText(expression, statement);
}

type Constant = Extract<Node, { A_Const: unknown }>['A_Const'];

/** `ARRAY['a', 'b']` of string literals as pg_get_expr prints it: each element cast to the element type. */
function arrayText(elements: Node[], elementType: string): string | undefined {
  const parts: string[] = [];
  for (const element of elements) {
    if (!('A_Const' in element) || !element.A_Const.sval) return undefined;
    parts.push(`${quoteLiteral(element.A_Const.sval.sval ?? '')}::${elementType}`);
  }
  return `ARRAY[${parts.join(', ')}]`;
}

function constantText(c: Constant, columnType: string): string | undefined {
  const type = withoutModifiers(columnType);
  if (c.sval) return literalOfType(c.sval.sval ?? '', type);
  if (c.boolval) return c.boolval.boolval ? 'true' : 'false';
  // Numbers keep their literal type (int4, or numeric with a point); the cast to the column's type is implicit and not shown.
  if (c.ival) return signed(String(c.ival.ival ?? 0), 'integer');
  if (c.fval) return signed(c.fval.fval ?? '', 'numeric');
  // `DEFAULT 0` parses as an A_Const with an empty ival.
  if ('ival' in c) return '0';
  return undefined;
}

const NUMBER_TYPES = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);
const TRUE_WORDS = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['f', 'false', 'n', 'no', 'off', '0']);

/** A constant as ruleutils prints it: bare when it reads back as the same type, else quoted with its type. */
function signed(value: string, type: 'integer' | 'numeric'): string {
  return value.startsWith('-') ? `${quoteLiteral(value)}::${type}` : value;
}

/**
 * A string literal coerced to a type when the default is stored: booleans and
 * numbers become constants of their own (`'false'` → `false`, `'5'` → `5`);
 * other types keep the literal with a cast (`'new'::text`, `'{}'::jsonb`).
 * Date and time literals are not normalised as the server would print them.
 */
function literalOfType(value: string, type: string): string {
  const word = value.trim().toLowerCase();
  if (type === 'boolean' && TRUE_WORDS.has(word)) return 'true';
  if (type === 'boolean' && FALSE_WORDS.has(word)) return 'false';
  const number = value.trim();
  // A quoted number becomes a constant of the column's type: only int4, and numeric with a point, print bare.
  if (NUMBER_TYPES.has(type) && /^-?\d+(\.\d+)?$/.test(number)) {
    if (type === 'integer' || (type === 'numeric' && number.includes('.'))) return signed(number, type);
  }
  return `${quoteLiteral(value)}::${type}`;
}

/** `character varying(20)[]` → `character varying[]`; `character(1)` → `bpchar` (how casts print). */
function withoutModifiers(type: string): string {
  const bare = type.replace(/\(\d+(,\d+)?\)/, '');
  return bare.replace(/^character(?= |\[|$)(?! varying)/, 'bpchar');
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const CLAUSE_WORDS = new Set(['NOT', 'NULL', 'CONSTRAINT', 'CHECK', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'GENERATED', 'COLLATE', 'DEFAULT', 'DEFERRABLE', 'INITIALLY', 'NO', 'STORED', 'VIRTUAL']);

/**
 * The source text of an expression: from its first token to the end of the
 * clause that holds it (a `,` or `)` closing the list, or the next column
 * constraint keyword), whitespace collapsed.
 */
export function sourceText(expression: Node, statement: Statement): string {
  const location = firstLocation(expression);
  if (location === undefined) return '';
  const offset = statement.offsetOf(location);
  const tokens = statement.tokens;
  let i = tokens.findIndex((t) => t.start >= offset);
  if (i < 0) return '';
  // A parenthesised expression starts before its first node.
  let depth = 0;
  while (i > 0 && tokens[i - 1]!.text === '(' && !isCallOpener(tokens, i - 1)) {
    i--;
  }
  let last = i - 1;
  for (let k = i; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.text === '(' || token.text === '[') depth++;
    if (token.text === ')' || token.text === ']') {
      depth--;
      if (depth < 0) break;
    }
    if (depth === 0 && k > i && (token.text === ',' || (token.kind === 'word' && CLAUSE_WORDS.has(token.upper) && !continuesExpression(tokens, k)))) break;
    last = k;
  }
  if (last < i) return '';
  const from = tokens[i]!.start - statement.start;
  const to = tokens[last]!.end - statement.start;
  return statement.text.slice(from, to).replace(/\s+/g, ' ');
}

/** `(` right after a word is a call's or a type's parenthesis, part of the node before it. */
function isCallOpener(tokens: Statement['tokens'], index: number): boolean {
  const before = tokens[index - 1];
  return before !== undefined && before.kind === 'word' && !['DEFAULT', 'CHECK', 'AS', 'ON', 'USING', 'WHERE'].includes(before.upper);
}

/** `IS NOT NULL`, `NOT IN`: NOT and NULL inside an expression, not a column constraint. */
function continuesExpression(tokens: Statement['tokens'], index: number): boolean {
  const word = tokens[index]!.upper;
  const before = tokens[index - 1]?.upper;
  if (word === 'NULL' && (before === 'IS' || before === 'NOT')) return true;
  if (word === 'NOT' && (before === 'IS' || ['IN', 'LIKE', 'ILIKE', 'BETWEEN', 'DISTINCT'].includes(tokens[index + 1]?.upper ?? ''))) return true;
  return false;
}

/** The smallest parser location in a subtree: an A_Expr's own location is its operator's, after its left operand. */
function firstLocation(node: unknown): number | undefined {
  let min: number | undefined;
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) stack.push(...value);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'location' && typeof inner === 'number' && inner >= 0) min = min === undefined ? inner : Math.min(min, inner);
        else if (typeof inner === 'object') stack.push(inner);
      }
    }
  }
  return min;
}
