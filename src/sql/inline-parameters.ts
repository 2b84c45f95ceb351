import { tokenize } from './tokenize.js';

/**
 * A query with its `$n` placeholders replaced by SQL literals of the values
 * bound to them, so that it reads as the statement the server runs: rules see
 * the values (`SET lock_timeout = $1` would not even parse), and the
 * statement parses the same way. The placeholders are the PostgreSQL
 * scanner's PARAM tokens, so those inside string literals, quoted
 * identifiers, comments and dollar-quoted bodies (a function's `$1` is its
 * own argument) are left alone, as are numbers beyond the values given. The
 * parser must be loaded (`loadParser()`).
 */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sql;
  let out = '';
  let from = 0;
  for (const token of tokenize(sql, 0)) {
    if (token.kind !== 'param') continue;
    const index = Number(token.text.slice(1));
    if (!(index >= 1 && index <= parameters.length)) continue;
    out += sql.slice(from, token.start) + literal(parameters[index - 1]);
    from = token.end;
  }
  return out + sql.slice(from);
}

/** A value as a SQL literal; what has no literal form of its own (arrays, objects) becomes its JSON text. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `'${String(value)}'::float8`;
    // Parenthesised: `x - $1` with -1 must not become the comment `x - -1`.
    return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
  }
  if (value instanceof Date) return quote(Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString());
  if (value instanceof Uint8Array) return quote(`\\x${Buffer.from(value).toString('hex')}`);
  if (typeof value === 'string') return quote(value);
  return quote(JSON.stringify(value) ?? String(value));
}

function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
