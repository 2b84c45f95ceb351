import type { LayoutReader } from './layout-reader.js';
import { buildSegments, linesOf, phaseMarkers, type Boundary } from '../segments.js';

const NAME = /^(\d+)_(.+)\.sql$/;
const ANNOTATION = /^\s*--\s*\+goose\s+(.*?)\s*$/i;
const UP = /^\s*--\s*\+goose\s+up\b/im;

/**
 * goose: `-- +goose Up` / `-- +goose Down` sections in one file;
 * `StatementBegin`/`StatementEnd` blocks are single statements, so each is its
 * own segment; `-- +goose NO TRANSACTION` runs the file outside a transaction.
 * A file without annotations is read whole.
 */
export const goose: LayoutReader = {
  layout: 'goose',
  parseName({ base }) {
    const match = NAME.exec(base);
    return match ? { version: [match[1] as string], name: match[2] as string } : undefined;
  },
  hasMarkers: (text) => UP.test(text),
  read(text) {
    const boundaries: Boundary[] = [];
    const blocks: [number, number][] = [];
    let blockStart: number | undefined;
    let hasUp = false;
    let noTransaction = false;
    for (const line of linesOf(text)) {
      const annotation = ANNOTATION.exec(line.content)?.[1]?.toUpperCase().replace(/\s+/g, ' ');
      if (annotation === undefined) continue;
      const at = { start: line.start, end: line.next };
      if (annotation === 'UP') {
        hasUp = true;
        boundaries.push({ ...at, effect: { kind: 'forward' } });
      } else if (annotation === 'DOWN') {
        boundaries.push({ ...at, effect: { kind: 'backward' } });
      } else if (annotation === 'STATEMENTBEGIN') {
        blockStart = line.next;
        boundaries.push({ ...at, effect: { kind: 'break' } });
      } else if (annotation === 'STATEMENTEND') {
        if (blockStart !== undefined) blocks.push([blockStart, line.start]);
        blockStart = undefined;
        boundaries.push({ ...at, effect: { kind: 'break' } });
      } else if (annotation === 'NO TRANSACTION') {
        noTransaction = true;
      }
    }
    // A phase marker inside a StatementBegin block would cut a statement in two.
    const phases = phaseMarkers(text).filter((m) => !blocks.some(([from, to]) => m.start >= from && m.start < to));
    return { segments: buildSegments(text, [...boundaries, ...phases], !hasUp), noTransaction };
  },
};
