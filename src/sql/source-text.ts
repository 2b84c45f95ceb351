/** 1-based line and column, the column counted in Unicode code points. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Line/column lookup for one file's text. This is the one place where string
 * offsets become the positions users see; CRLF, LF and lone CR all end a line,
 * as they do for the PostgreSQL scanner.
 */
export class SourceText {
  readonly #lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.#lineStarts = starts;
  }

  get lineCount(): number {
    return this.#lineStarts.length;
  }

  /** The string offset of a 1-based line and a 1-based column counted in UTF-16 code units (as V8 and source maps count), clamped to the line. */
  offsetAt(line: number, utf16Column: number): number {
    const index = Math.max(0, Math.min(line - 1, this.#lineStarts.length - 1));
    const start = this.#lineStarts[index]!;
    const next = this.#lineStarts[index + 1] ?? this.text.length + 1;
    return Math.min(start + Math.max(0, utf16Column - 1), next - 1, this.text.length);
  }

  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.text.length));
    const lineIndex = this.#lineIndexOf(at);
    const lineStart = this.#lineStarts[lineIndex]!;
    return { line: lineIndex + 1, column: countCodePoints(this.text, lineStart, at) + 1 };
  }

  #lineIndexOf(offset: number): number {
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

function countCodePoints(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
