import type { Token, TokenKind } from './token.js';

/**
 * A forgiving SQL lexer: the tokens of most statements (scanned lazily, when a
 * rule asks for them), and of text the PostgreSQL scanner rejects (an
 * unterminated string or comment). It knows enough of the lexical grammar —
 * quotes, dollar quotes, nested block comments — to find statement
 * boundaries; an unterminated construct simply runs to the end of the text.
 * Characters are classified by code unit (a regular expression only for
 * non-ASCII whitespace): it runs on every statement a rule reads by token.
 */
export function lexForgiving(text: string, base = 0): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number): void => {
    const slice = text.slice(start, end);
    tokens.push({ kind, start: base + start, end: base + end, text: slice, upper: kind === 'word' ? slice.toUpperCase() : slice });
  };
  while (i < text.length) {
    const c = text[i]!;
    const code = text.charCodeAt(i);
    const start = i;
    if (isSpace(code, c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
      push('comment', start, i);
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 0;
      while (i < text.length) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      // An unclosed comment is an error, not a comment: kept as code, it becomes an Invalid statement.
      push(depth === 0 ? 'comment' : 'other', start, i);
    } else if (c === "'" || ((c === 'E' || c === 'e') && text[i + 1] === "'")) {
      const backslashEscapes = c !== "'";
      i += backslashEscapes ? 2 : 1;
      while (i < text.length) {
        if (backslashEscapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") {
          i++;
          break;
        } else i++;
      }
      push('string', start, Math.min(i, text.length));
    } else if (c === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === '"' && text[i + 1] === '"') i += 2;
        else if (text[i] === '"') {
          i++;
          break;
        } else i++;
      }
      push('quoted-identifier', start, Math.min(i, text.length));
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.test(text.slice(i, i + 66))) {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(text.slice(i, i + 66))![0];
      const close = text.indexOf(tag, i + tag.length);
      i = close === -1 ? text.length : close + tag.length;
      push('string', start, i);
    } else if (c === '$' && isDigit(text.charCodeAt(i + 1))) {
      i++;
      while (isDigit(text.charCodeAt(i))) i++;
      push('param', start, i);
    } else if (isWordStart(code)) {
      while (i < text.length && isWordPart(text.charCodeAt(i))) i++;
      push('word', start, i);
    } else if (isDigit(code)) {
      while (i < text.length && isNumberPart(text.charCodeAt(i))) i++;
      push('number', start, i);
    } else {
      i++;
      push('punct', start, i);
    }
  }
  return tokens;
}

/** `\s`: ASCII whitespace by code, the rest (no-break space, BOM, line separators) by the expression. */
function isSpace(code: number, c: string): boolean {
  return code === 32 || (code >= 9 && code <= 13) || (code >= 0x80 && /\s/.test(c));
}

/** [0-9]; NaN (past the end) is none. */
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** [A-Za-z_\u0080-\uffff] */
function isWordStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0x80;
}

/** [A-Za-z_0-9$\u0080-\uffff] */
function isWordPart(code: number): boolean {
  return isWordStart(code) || isDigit(code) || code === 36;
}

/** [0-9.eE_] */
function isNumberPart(code: number): boolean {
  return isDigit(code) || code === 46 || code === 101 || code === 69 || code === 95;
}
