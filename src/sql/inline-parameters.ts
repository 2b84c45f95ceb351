/**
 * A query with its `$n` placeholders replaced by SQL literals of the values
 * bound to them, so that it reads as the statement the server runs: rules see
 * the values (`SET lock_timeout = $1` would not even parse), and the
 * statement parses the same way. Placeholders inside string literals, quoted
 * identifiers, comments and dollar-quoted bodies (a function's `$1` is its
 * own argument) are left alone, as are numbers beyond the values given.
 */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sql;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const skipped = skipQuoted(sql, i);
    if (skipped > i) {
      out += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '') && !/[\w$]/.test(sql[i - 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j]!)) j++;
      const index = Number(sql.slice(i + 1, j));
      if (index >= 1 && index <= parameters.length) {
        out += literal(parameters[index - 1]);
        i = j;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** The end of the quoted text, comment or dollar-quoted body starting at `i`; `i` when none starts there. */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i]!;
  if (c === "'" || c === '"') {
    // E'…' strings escape with a backslash too.
    const backslash = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !/[\w$]/.test(sql[i - 2] ?? '');
    let j = i + 1;
    while (j < sql.length) {
      if (backslash && sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c) j += 2;
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  if (c === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end;
  }
  if (c === '/' && sql[i + 1] === '*') {
    let depth = 0;
    let j = i;
    while (j < sql.length) {
      if (sql.startsWith('/*', j)) {
        depth++;
        j += 2;
      } else if (sql.startsWith('*/', j)) {
        depth--;
        j += 2;
        if (depth === 0) return j;
      } else j++;
    }
    return sql.length;
  }
  if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? '')) {
    const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i));
    if (!tag) return i;
    const end = sql.indexOf(tag[0], i + tag[0].length);
    return end === -1 ? sql.length : end + tag[0].length;
  }
  return i;
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
