import type { Statement } from '../sql/statement.js';
import type { Token } from '../sql/token.js';

/** A [start, end) range of file string offsets. */
export interface Span {
  start: number;
  end: number;
}

export function statementSpan(statement: Statement): Span {
  return { start: statement.start, end: statement.end };
}

/** The span of the token at a parser location (byte offset), else the statement. */
export function tokenSpanAt(statement: Statement, location: number | undefined): Span {
  if (location === undefined) return statementSpan(statement);
  const offset = statement.offsetOf(location);
  const token = statement.tokens.find((t) => t.start === offset);
  return token ? { start: token.start, end: token.end } : statementSpan(statement);
}

/**
 * The span of the first run of consecutive tokens matching `words`
 * (case-insensitive; `?` suffix marks an optional word), searching from the
 * token index `from`. Undefined when absent.
 */
export function findWords(statement: Statement, words: readonly string[], from = 0): Span | undefined {
  const tokens = statement.tokens;
  for (let i = from; i < tokens.length; i++) {
    const end = matchAt(tokens, i, words);
    if (end !== undefined) return { start: tokens[i]!.start, end: tokens[end - 1]!.end };
  }
  return undefined;
}

function matchAt(tokens: Token[], index: number, words: readonly string[]): number | undefined {
  let i = index;
  for (const word of words) {
    const optional = word.endsWith('?');
    const wanted = (optional ? word.slice(0, -1) : word).toUpperCase();
    const token = tokens[i];
    if (token && (token.upper === wanted || unquote(token) === wanted)) i++;
    else if (!optional) return undefined;
  }
  return i > index ? i : undefined;
}

function unquote(token: Token): string | undefined {
  return token.kind === 'quoted-identifier' ? token.text.slice(1, -1).replace(/""/g, '"').toUpperCase() : undefined;
}

/**
 * One span per subcommand of an `ALTER TABLE … cmd, cmd, …`, in the order of
 * the parse tree's `cmds`: the tokens after the table name split at top-level
 * commas. `AlterTableCmd` nodes carry no location, so this is how a finding
 * points at the exact clause.
 */
export function alterTableCommandSpans(statement: Statement, relationLocation: number | undefined): Span[] {
  const tokens = statement.tokens;
  let i = 0;
  if (relationLocation !== undefined) {
    const relationStart = statement.offsetOf(relationLocation);
    i = tokens.findIndex((t) => t.start >= relationStart);
    if (i < 0) return [];
    // Skip the (possibly qualified) relation name.
    i++;
    while (tokens[i]?.text === '.' && tokens[i + 1]) i += 2;
  }
  const spans: Span[] = [];
  let depth = 0;
  let first: Token | undefined;
  let last: Token | undefined;
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === '(') depth++;
    if (token.text === ')') depth--;
    if (token.text === ',' && depth === 0) {
      if (first && last) spans.push({ start: first.start, end: last.end });
      first = last = undefined;
      continue;
    }
    first ??= token;
    last = token;
  }
  if (first && last) spans.push({ start: first.start, end: last.end });
  return spans;
}

/** From the first run of `words` to the end of the statement (the whole statement if absent). */
export function spanFromWords(statement: Statement, words: readonly string[]): Span {
  const found = findWords(statement, words);
  return { start: found?.start ?? statement.start, end: statement.end };
}
