export type TokenKind = 'comment' | 'word' | 'quoted-identifier' | 'string' | 'number' | 'punct' | 'param' | 'other';

/** A lexical token with offsets into the file's text (JavaScript string indexes). */
export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Source text; for words, upper-cased for comparisons in `upper`. */
  text: string;
  upper: string;
}
