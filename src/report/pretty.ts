import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding, LintResult, LintSummary } from '../lint/finding.js';
import { describeSummary } from './describe-summary.js';
import { sortFindings } from './sort-findings.js';
import { splitLines } from './split-lines.js';

export interface PrettyOptions {
  color: boolean;
}

/** Tabs jump to the next multiple of this many cells, in source and underline alike. */
const TAB_WIDTH = 4;
/** Spans longer than this many lines keep their head and tail and elide the middle. */
const MAX_FRAME_LINES = 6;
const HEAD_LINES = 3;
const TAIL_LINES = 2;
/** Minified or generated SQL can have huge lines; show a window around the span instead. */
const MAX_LINE_CELLS = 160;
const WINDOW_LEAD = 24;
/** Longer lines are cut to this many code points around the span before layout (ellipses still mark the cut). */
const MAX_LAYOUT_CODE_POINTS = 4 * MAX_LINE_CELLS;

/**
 * Human-readable report with a code frame per finding, for terminals and CI logs.
 * Colour comes only from a private Chalk instance so `color: false` is ANSI-free
 * whatever the environment says.
 */
export function formatPretty(result: LintResult, options: PrettyOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const texts = new Map(result.files.map((file) => [file.path, file.text]));
  const lineCache = new Map<string, string[]>();
  const linesOf = (path: string): string[] | undefined => {
    const text = texts.get(path);
    if (text === undefined) return undefined;
    let lines = lineCache.get(path);
    if (lines === undefined) {
      lines = splitLines(text);
      lineCache.set(path, lines);
    }
    return lines;
  };

  const blocks = sortFindings(result).map((finding) =>
    renderFinding(finding, linesOf(finding.file), c),
  );
  blocks.push(renderSummary(result.summary, c));
  return `${blocks.join('\n\n')}\n`;
}

function renderFinding(finding: Finding, lines: string[] | undefined, c: ChalkInstance): string {
  const paint = finding.severity === 'error' ? c.red : finding.severity === 'warn' ? c.yellow : c.blue;
  const severity = finding.severity === 'error' ? 'error' : finding.severity === 'warn' ? 'warning' : 'info';
  const header = [
    c.bold(`${sanitize(finding.file)}:${finding.line}:${finding.column}`),
    paint.bold(severity),
    c.bold(sanitize(finding.rule)),
    c.cyan(`[${finding.phase}]`),
  ].join('  ');
  const out = [header, indentBlock(finding.message, '  ', '  ')];
  const frame = lines === undefined ? [] : renderFrame(finding, lines, c, paint);
  out.push(...frame);
  if (finding.help !== '') out.push(indentBlock(finding.help, `  ${c.bold('help:')} `, '        '));
  if (finding.docs !== '') out.push(`  ${c.bold('docs:')} ${c.underline(sanitize(finding.docs))}`);
  return out.join('\n');
}

function renderSummary(summary: LintSummary, c: ChalkInstance): string {
  const text = describeSummary(summary);
  if (summary.errors > 0) return c.red.bold(`✖ ${text}`);
  if (summary.warnings > 0) return c.yellow.bold(`✖ ${text}`);
  return c.green(`✓ ${text}`);
}

/** One covered stretch of one source line, in code point indexes, end exclusive. */
interface LineSpan {
  lineNumber: number;
  start: number;
  end: number;
}

function renderFrame(
  finding: Finding,
  lines: string[],
  c: ChalkInstance,
  paint: ChalkInstance,
): string[] {
  const spans = spanLines(finding, lines);
  if (spans.length === 0) return [];
  const shown =
    spans.length > MAX_FRAME_LINES
      ? [...spans.slice(0, HEAD_LINES), undefined, ...spans.slice(-TAIL_LINES)]
      : spans;
  const last = spans[spans.length - 1];
  const gutterWidth = String(last?.lineNumber ?? 0).length;
  const gutter = (label: string): string => c.blue(`  ${label.padStart(gutterWidth)} |`);

  const rows: string[] = [];
  for (const span of shown) {
    if (span === undefined) {
      rows.push(c.blue(`  ${'⋮'.padStart(gutterWidth)}`));
      continue;
    }
    const { text, from, to } = renderSpanLine(lines[span.lineNumber - 1] ?? '', span);
    rows.push(`${gutter(String(span.lineNumber))} ${text}`.trimEnd());
    if (to > from) rows.push(`${gutter('')} ${' '.repeat(from)}${paint.bold('^'.repeat(to - from))}`);
  }
  return rows;
}

/**
 * The covered stretch of each line of the span. The first line is underlined from
 * the start column, middle lines over their text without indentation, and the last
 * line up to the (exclusive) end column.
 */
function spanLines(finding: Finding, lines: string[]): LineSpan[] {
  const first = finding.line;
  if (first < 1 || first > lines.length) return [];
  let lastLine = Math.min(Math.max(finding.endLine, first), lines.length);
  let endColumn = finding.endLine > lines.length ? Number.MAX_SAFE_INTEGER : finding.endColumn;
  // An exclusive end at column 1 really ends on the previous line's line break.
  if (lastLine > first && endColumn <= 1) {
    lastLine -= 1;
    endColumn = codePointLength(lines[lastLine - 1] ?? '') + 1;
  }

  const spans: LineSpan[] = [];
  for (let lineNumber = first; lineNumber <= lastLine; lineNumber++) {
    const line = lines[lineNumber - 1] ?? '';
    const length = codePointLength(line);
    const textEnd = codePointLength(line.trimEnd());
    const start =
      lineNumber === first
        ? Math.min(Math.max(finding.column - 1, 0), length)
        : codePointLength(line) - codePointLength(line.trimStart());
    const end = lineNumber === lastLine ? Math.min(endColumn - 1, length + 1) : textEnd;
    if (lineNumber === first && lineNumber === lastLine) {
      // A point (or a span reversed by mistake) still gets one caret.
      spans.push({ lineNumber, start, end: Math.max(end, start + 1) });
    } else if (lineNumber === first && end <= start) {
      spans.push({ lineNumber, start, end: start + 1 });
    } else {
      spans.push({ lineNumber, start, end: Math.max(end, start) });
    }
  }
  return spans;
}

/** A source line as terminal cells, and the underline's cell range within it. */
function renderSpanLine(line: string, span: LineSpan): { text: string; from: number; to: number } {
  // Laying out a whole minified or generated line (100k+ characters) by grapheme
  // takes seconds: only a stretch around the span can be shown, so only it is laid out.
  if (line.length > MAX_LAYOUT_CODE_POINTS) {
    const points = Array.from(line);
    if (points.length > MAX_LAYOUT_CODE_POINTS) {
      const offset = Math.max(0, Math.min(span.start - MAX_LINE_CELLS, points.length - MAX_LAYOUT_CODE_POINTS));
      const stretch = points.slice(offset, offset + MAX_LAYOUT_CODE_POINTS).join('');
      const start = span.start - offset;
      return renderSpanLine(stretch, { lineNumber: span.lineNumber, start, end: Math.max(start, Math.min(span.end - offset, MAX_LAYOUT_CODE_POINTS)) });
    }
  }
  const layout = layoutLine(line);
  let from = layout.cellAt(span.start);
  let to = span.end > span.start ? Math.max(layout.cellAt(span.end), from + 1) : from;

  if (layout.width <= MAX_LINE_CELLS) return { text: layout.text(0, layout.width), from, to };
  const windowStart = Math.max(0, Math.min(from - WINDOW_LEAD, layout.width - MAX_LINE_CELLS));
  const windowEnd = windowStart + MAX_LINE_CELLS;
  const lead = windowStart > 0 ? '…' : '';
  const tail = windowEnd < layout.width ? '…' : '';
  const shift = lead.length - windowStart;
  from = Math.max(from + shift, lead.length);
  to = Math.min(to + shift, lead.length + MAX_LINE_CELLS + tail.length);
  return { text: lead + layout.text(windowStart, windowEnd) + tail, from, to: Math.max(to, from) };
}

interface Cell {
  text: string;
  start: number;
  width: number;
}

interface LineLayout {
  width: number;
  /** The terminal cell where the line's code point at `index` starts; past the end (a point at the line break), one cell per column. */
  cellAt(index: number): number;
  /** The cells that lie wholly in [from, to), as text. */
  text(from: number, to: number): string;
}

/** Printable ASCII: a code point, a grapheme and a cell each. Most source lines, laid out without segmenting. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Lays a line out in terminal cells by grapheme, so combining marks take no extra
 * cell, emoji and East Asian wide characters take two, and tabs expand to stops.
 */
function layoutLine(line: string): LineLayout {
  if (PRINTABLE_ASCII.test(line)) return { width: line.length, cellAt: (index) => index, text: (from, to) => line.slice(from, to) };
  const cells: Cell[] = [];
  const cellOf: number[] = [];
  let position = 0;
  for (const { segment } of graphemes.segment(line)) {
    const { text, width } = displayGrapheme(segment, position);
    const codePoints = codePointLength(segment);
    for (let i = 0; i < codePoints; i++) cellOf.push(position);
    cells.push({ text, start: position, width });
    position += width;
  }
  const width = position;
  return {
    width,
    cellAt: (index) => cellOf[index] ?? width + (index - cellOf.length),
    text: (from, to) =>
      cells
        .filter((cell) => cell.start >= from && cell.start + cell.width <= to)
        .map((cell) => cell.text)
        .join(''),
  };
}

const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** What `sanitize` replaces: C0 controls but tab and line feed, DEL and C1, bidi controls, lone surrogates. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;
const INVISIBLE = /^[\ufeff\u200b-\u200d\u2060]+$/u;
const WIDE =
  /\p{Emoji_Presentation}|\ufe0f|\p{Regional_Indicator}|[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

function displayGrapheme(grapheme: string, position: number): { text: string; width: number } {
  if (grapheme === '\t') {
    const width = TAB_WIDTH - (position % TAB_WIDTH);
    return { text: ' '.repeat(width), width };
  }
  if (INVISIBLE.test(grapheme)) return { text: '', width: 0 };
  const safe = sanitize(grapheme);
  if (safe !== grapheme) return { text: safe, width: codePointLength(safe) };
  return { text: grapheme, width: WIDE.test(grapheme) ? 2 : 1 };
}

/**
 * Source text and identifiers in messages can hold control characters; printed raw
 * they would inject escape sequences, so they become visible stand-ins (as rustc does).
 * Bidi controls are replaced too, so a frame cannot be reordered (Trojan Source).
 */
function sanitize(text: string): string {
  // Nearly every text has none: one search instead of a test per character.
  if (!UNSAFE.test(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 && char !== '\n' && char !== '\t') out += String.fromCodePoint(0x2400 + code);
    else if (code === 0x7f) out += '\u2421';
    else if ((code >= 0x80 && code < 0xa0) || BIDI_CONTROL.test(char) || /\p{Cs}/u.test(char)) out += '\ufffd';
    else out += char;
  }
  return out;
}

function indentBlock(text: string, firstPrefix: string, restPrefix: string): string {
  return splitLines(text)
    .map((line, index) => `${index === 0 ? firstPrefix : restPrefix}${sanitize(line).replace(/\t/g, '    ')}`.trimEnd())
    .join('\n');
}

function codePointLength(text: string): number {
  let length = 0;
  for (const _char of text) length++;
  return length;
}
