import type { Segment } from '../migrations/migration.js';
import { ByteOffsets } from './byte-offsets.js';
import { lexForgiving } from './lex-forgiving.js';
import { parseSql, type RawStatement } from './pg-parser.js';
import type { Statement } from './statement.js';
import { maskTemplates } from './templates.js';
import type { Token } from './token.js';
import { tokenize } from './tokenize.js';

export interface ParsedSegment {
  statements: Statement[];
  /** Every token of the segment, comments included (ignore directives live in comments). */
  tokens: Token[];
}

/**
 * Parses one segment of a file. When the whole segment parses, statements come
 * from the parser's own boundaries. When it does not, the segment is cut at
 * top-level semicolons and each piece is parsed alone, so one bad statement
 * becomes one `Invalid` statement and the rest are still linted.
 */
export function parseSegment(fileText: string, segment: Segment): ParsedSegment {
  const text = maskTemplates(fileText.slice(segment.start, segment.end));
  const bytes = new ByteOffsets(text);
  const whole = parseSql(text);
  // Scanning costs as much as parsing. Comments matter only for pgtandem's own
  // directives (and squawk's ignores), so a segment that parses and mentions none is scanned lazily,
  // statement by statement, when a rule asks for tokens.
  if (whole.ok && !mayHoldDirectives(text)) {
    const statements = whole.statements.map((raw) => lazyStatement(fileText, text, segment, bytes, raw));
    return { statements: statements.filter((s): s is Statement => s !== undefined), tokens: [] };
  }
  // Directives are read from the PostgreSQL scanner's comments; a segment without any
  // only needs statement boundaries, which the forgiving lexer finds far faster.
  const tokens = mayHoldDirectives(text) ? tokenize(text, segment.start, bytes) : lexForgiving(text, segment.start);
  const code = tokens.filter((t) => t.kind !== 'comment');
  if (whole.ok) {
    const statements = whole.statements.map((raw) => {
      const from = segment.start + bytes.toIndex(raw.location);
      const to = raw.length > 0 ? segment.start + bytes.toIndex(raw.location + raw.length) : segment.end;
      return makeStatement(fileText, segment, code, from, to, raw, (loc) => segment.start + bytes.toIndex(loc));
    });
    return { statements: statements.filter((s): s is Statement => s !== undefined), tokens };
  }
  return { statements: parsePieces(fileText, segment, code), tokens };
}

/** Whether the text may hold a comment the linter reads (ignore directives, squawk's too; phase markers). */
function mayHoldDirectives(text: string): boolean {
  return text.includes('pgtandem') || text.includes('squawk-ignore');
}

/**
 * A statement whose tokens are scanned on first use — by the forgiving lexer,
 * which is exact on text the parser accepted and an order of magnitude faster
 * than a round trip through the PostgreSQL scanner. The parser's boundaries
 * start at the first token and end before the `;`; a statement that holds a
 * comment, or ends the segment without a `;`, is scanned at once so that its
 * boundaries exclude trailing comments exactly.
 */
function lazyStatement(fileText: string, text: string, segment: Segment, bytes: ByteOffsets, raw: RawStatement): Statement | undefined {
  const offsetOf = (location: number): number => segment.start + bytes.toIndex(location);
  const from = bytes.toIndex(raw.location);
  const to = raw.length > 0 ? bytes.toIndex(raw.location + raw.length) : text.length;
  const slice = text.slice(from, to);
  if (raw.length === 0 || slice.includes('--') || slice.includes('/*')) {
    const code = lexForgiving(slice, segment.start + from).filter((t) => t.kind !== 'comment');
    return makeStatement(fileText, segment, code, segment.start + from, segment.start + to, raw, offsetOf);
  }
  const start = segment.start + from + (slice.length - slice.trimStart().length);
  const end = segment.start + from + slice.trimEnd().length;
  if (end <= start) return undefined;
  let tokens: Token[] | undefined;
  return {
    kind: Object.keys(raw.stmt)[0] ?? 'Unknown',
    node: raw.stmt,
    start,
    end,
    text: fileText.slice(start, end),
    get tokens(): Token[] {
      tokens ??= lexForgiving(text.slice(start - segment.start, end - segment.start), start).filter((t) => t.kind !== 'comment');
      return tokens;
    },
    segment,
    offsetOf,
  };
}

function parsePieces(fileText: string, segment: Segment, code: Token[]): Statement[] {
  const pieces = splitAtSemicolons(code);
  const statements: Statement[] = [];
  for (let p = 0; p < pieces.length; p++) {
    let piece = pieces[p]!;
    let from = piece[0]!.start;
    let to = piece[piece.length - 1]!.end;
    let pieceText = maskTemplates(fileText.slice(from, to));
    let outcome = parseSql(pieceText);
    // SQL-standard function bodies (BEGIN ATOMIC … END) contain semicolons: grow the piece until it parses.
    if (!outcome.ok && piece.some((t) => t.upper === 'ATOMIC')) {
      for (let q = p + 1; q < pieces.length && q <= p + 200; q++) {
        const grown = pieces.slice(p, q + 1).flat();
        const grownText = maskTemplates(fileText.slice(from, grown[grown.length - 1]!.end));
        const attempt = parseSql(grownText);
        if (attempt.ok) {
          piece = grown;
          to = grown[grown.length - 1]!.end;
          pieceText = grownText;
          outcome = attempt;
          p = q;
          break;
        }
      }
    }
    const bytes = new ByteOffsets(pieceText);
    const toFile = (loc: number): number => from + bytes.toIndex(loc);
    if (outcome.ok) {
      for (const raw of outcome.statements) {
        const start = toFile(raw.location);
        const end = raw.length > 0 ? toFile(raw.location + raw.length) : to;
        const statement = makeStatement(fileText, segment, piece, start, end, raw, toFile);
        if (statement) statements.push(statement);
      }
    } else {
      const tokens = piece.filter((t) => t.text !== ';');
      if (tokens.length === 0) continue;
      from = tokens[0]!.start;
      const end = tokens[tokens.length - 1]!.end;
      statements.push({
        kind: 'Invalid',
        node: undefined,
        start: from,
        end,
        text: fileText.slice(from, end),
        tokens,
        segment,
        offsetOf: toFile,
        error: { message: outcome.message, offset: Math.min(toFile(outcome.byteOffset), end) },
      });
    }
  }
  return statements;
}

/** Token runs separated by top-level `;` (each run keeps its `;`). */
function splitAtSemicolons(code: Token[]): Token[][] {
  const pieces: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const token of code) {
    current.push(token);
    if (token.text === '(') depth++;
    else if (token.text === ')') depth = Math.max(0, depth - 1);
    else if (token.text === ';' && depth === 0) {
      pieces.push(current);
      current = [];
    }
  }
  if (current.length > 0) pieces.push(current);
  return pieces.filter((piece) => piece.some((t) => t.text !== ';'));
}

function makeStatement(
  fileText: string,
  segment: Segment,
  code: Token[],
  from: number,
  to: number,
  raw: RawStatement,
  offsetOf: (location: number) => number,
): Statement | undefined {
  const tokens = tokensWithin(code, from, to).filter((t, i, all) => !(t.text === ';' && i === all.length - 1));
  if (tokens.length === 0) return undefined;
  const start = tokens[0]!.start;
  const end = tokens[tokens.length - 1]!.end;
  const kind = Object.keys(raw.stmt)[0] ?? 'Unknown';
  return { kind, node: raw.stmt, start, end, text: fileText.slice(start, end), tokens, segment, offsetOf };
}

function tokensWithin(code: Token[], from: number, to: number): Token[] {
  let lo = 0;
  let hi = code.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (code[mid]!.start < from) lo = mid + 1;
    else hi = mid;
  }
  const out: Token[] = [];
  for (let i = lo; i < code.length && code[i]!.end <= to; i++) out.push(code[i]!);
  return out;
}
