import type { Statement } from '../../sql/statement.js';
import type { Token } from '../../sql/token.js';

/**
 * A statement's text with its comments blanked out (same length, line breaks
 * kept) and its code tokens at offsets into that text. Clauses are cut and
 * spliced on token boundaries found at parenthesis depth 0, so nothing inside a
 * literal, a quoted identifier, a subquery or a function call is ever touched.
 */
export class StatementText {
  readonly text: string;
  readonly tokens: readonly Token[];

  constructor(statement: Statement) {
    const base = statement.start;
    this.tokens = statement.tokens.map((t) => ({ ...t, start: t.start - base, end: t.end - base }));
    let text = '';
    let at = 0;
    for (const token of this.tokens) {
      text += blank(statement.text.slice(at, token.start)) + statement.text.slice(token.start, token.end);
      at = token.end;
    }
    this.text = text;
  }

  /**
   * Index of the first depth-0 keyword among `words` at or after token `from`,
   * stopping (returning -1) at a depth-0 keyword among `stop`. `FROM` right after
   * `DISTINCT` (`a IS DISTINCT FROM b`) is an operator, not a clause.
   */
  findKeyword(words: readonly string[], from = 0, stop: readonly string[] = []): number {
    let depth = 0;
    for (let i = from; i < this.tokens.length; i++) {
      const token = this.tokens[i]!;
      if (token.text === '(' || token.text === '[') depth++;
      else if (token.text === ')' || token.text === ']') depth = Math.max(0, depth - 1);
      else if (depth === 0 && token.kind === 'word') {
        if (token.upper === 'FROM' && this.tokens[i - 1]?.upper === 'DISTINCT') continue;
        if (words.includes(token.upper)) return i;
        if (stop.includes(token.upper)) return -1;
      }
    }
    return -1;
  }

  /** Start offset of token `index`, or the end of the text past the last token. */
  offsetOf(index: number): number {
    return index >= 0 && index < this.tokens.length ? this.tokens[index]!.start : this.text.length;
  }
}

/** Comment text → spaces, keeping line breaks so a line comment can never swallow spliced text. */
function blank(gap: string): string {
  return gap.replace(/[^\r\n]/g, ' ');
}

/**
 * Where the statement's WHERE condition goes. With a WHERE at `where`, the
 * condition runs from after it to `end`; without one, a WHERE is inserted at `end`.
 */
export interface WhereSite {
  where: number | undefined;
  end: number;
}

/**
 * The statement text with `condition` ANDed to its WHERE (the original one
 * parenthesised, so its operator precedence cannot leak), or a WHERE added.
 */
export function spliceCondition(source: StatementText, site: WhereSite, condition: string): string {
  const text = source.text;
  const after = text.slice(site.end).trim();
  const rest = after === '' ? '' : ` ${after}`;
  if (site.where === undefined) return `${text.slice(0, site.end).trimEnd()} WHERE ${condition}${rest}`;
  const whereToken = source.tokens[site.where]!;
  const original = text.slice(whereToken.end, site.end).trim();
  return `${text.slice(0, whereToken.start)}WHERE ${condition} AND (${original})${rest}`;
}
