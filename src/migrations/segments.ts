import type { Segment } from './migration.js';
import { isPhase, type Phase } from './phase.js';
import { codeLineStarts } from './code-lines.js';
import { isStatementDirective } from './directives.js';

/** One line of a file: `end` excludes the line break, `next` is where the following line starts. */
export interface Line {
  start: number;
  end: number;
  next: number;
  content: string;
}

export function* linesOf(text: string): Generator<Line> {
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? text.length : newline + 1;
    let end = newline === -1 ? text.length : newline;
    if (end > start && text[end - 1] === '\r') end--;
    yield { start, end, next, content: text.slice(start, end) };
    start = next;
  }
}

/**
 * A marker in a file: the segment before it ends at `start`, the next one begins
 * at `end`. `forward` / `backward` open and close the file's up section (goose,
 * dbmate), `phase` switches phase, `break` only splits (goose blocks, Drizzle).
 */
export interface Boundary {
  start: number;
  end: number;
  effect: { kind: 'forward' } | { kind: 'backward' } | { kind: 'break' } | { kind: 'phase'; phase: Phase };
}

const PHASE_MARKER = /^\s*--\s*pgtandem:\s*([A-Za-z]+)\b/;
const DIRECTIVE = /^\s*--\s*pgtandem:\s*([A-Za-z_-]+)/;

/**
 * `-- pgtandem:<phase>` lines outside literals, bodies and block comments.
 * A statement directive (`-- pgtandem:no-batch`) is no marker: it stays in its segment.
 */
export function phaseMarkers(text: string): Boundary[] {
  if (!text.includes('pgtandem:')) return [];
  const code = codeLineStarts(text);
  const markers: Boundary[] = [];
  for (const line of linesOf(text)) {
    const phase = PHASE_MARKER.exec(line.content)?.[1]?.toLowerCase();
    if (isStatementDirective(DIRECTIVE.exec(line.content)?.[1]?.toLowerCase() ?? '')) continue;
    if (phase === undefined || !isPhase(phase) || !code.has(line.start)) continue;
    markers.push({ start: line.start, end: line.next, effect: { kind: 'phase', phase } });
  }
  return markers;
}

export function hasPhaseMarkers(text: string): boolean {
  return phaseMarkers(text).length > 0;
}

/**
 * Cuts a file into segments at its boundaries. Text before the first phase marker
 * is expand; text outside the forward section produces no segment, and neither
 * does a stretch holding only whitespace.
 */
export function buildSegments(text: string, boundaries: readonly Boundary[], startsForward: boolean): Segment[] {
  const ordered = [...boundaries].sort((a, b) => a.start - b.start);
  const segments: Segment[] = [];
  let forward = startsForward;
  let phase: Phase = 'expand';
  let from = 0;
  const close = (until: number): void => {
    if (forward && /\S/.test(text.slice(from, until))) segments.push({ phase, start: from, end: until });
  };
  for (const boundary of ordered) {
    close(boundary.start);
    const { effect } = boundary;
    if (effect.kind === 'forward') forward = true;
    else if (effect.kind === 'backward') forward = false;
    else if (effect.kind === 'phase' && forward) phase = effect.phase;
    from = boundary.end;
  }
  close(text.length);
  return segments;
}
