/**
 * Line starts that lie in plain SQL, outside string literals, quoted identifiers,
 * dollar-quoted bodies and block comments. A `-- pgtandem:contract` line inside a
 * function body is text of that function, not a phase marker.
 */
export function codeLineStarts(text: string): Set<number> {
  const starts = new Set<number>();
  let i = 0;
  let atLineStart = true;
  while (i < text.length) {
    if (atLineStart) starts.add(i);
    const skipped = skipToken(text, i);
    const next = skipped > i ? skipped : i + 1;
    atLineStart = text[next - 1] === '\n';
    i = next;
  }
  return starts;
}

/** Offset just past the literal, comment or quoted body starting at `i`; `i` when none starts there. */
function skipToken(text: string, i: number): number {
  const c = text[i];
  const next = text[i + 1];
  if (c === '-' && next === '-') return endOfLineComment(text, i);
  if (c === '/' && next === '*') return endOfBlockComment(text, i);
  if (c === "'") return endOfQuoted(text, i, "'", isEscapeString(text, i));
  if (c === '"') return endOfQuoted(text, i, '"', false);
  if (c === '$') return endOfDollarQuoted(text, i);
  return i;
}

function endOfLineComment(text: string, i: number): number {
  const newline = text.indexOf('\n', i);
  // Stop before the newline so the next line start is still seen as code.
  return newline === -1 ? text.length : newline;
}

function endOfBlockComment(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (text.startsWith('*/', j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return text.length;
}

function endOfQuoted(text: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (backslashEscapes && c === '\\') j += 2;
    else if (c === quote && text[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j++;
  }
  return text.length;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;

function endOfDollarQuoted(text: string, i: number): number {
  if (isIdentifierChar(text[i - 1])) return i; // `a$b` is an identifier, not a quote
  DOLLAR_TAG.lastIndex = i;
  const tag = DOLLAR_TAG.exec(text)?.[0];
  if (tag === undefined) return i; // `$1` parameter
  const close = text.indexOf(tag, i + tag.length);
  return close === -1 ? text.length : close + tag.length;
}

function isEscapeString(text: string, quoteAt: number): boolean {
  const prefix = text[quoteAt - 1];
  return (prefix === 'E' || prefix === 'e') && !isIdentifierChar(text[quoteAt - 2]);
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$\u0080-\uffff]/.test(c);
}
