import type { LayoutReader } from './layout-reader.js';
import { buildSegments, linesOf, phaseMarkers, type Boundary } from '../segments.js';

const NAME = /^(\d+)[-_]?(.*)\.sql$/;
const DIRECTIVE = /^\s*--\s*migrate:(up|down)\b(.*)$/;
const UP = /^\s*--\s*migrate:up\b/m;

/**
 * dbmate: `-- migrate:up` / `-- migrate:down` sections in one file;
 * `-- migrate:up transaction:false` runs the up section outside a transaction.
 * A file without directives is read whole.
 */
export const dbmate: LayoutReader = {
  layout: 'dbmate',
  parseName({ base }) {
    const match = NAME.exec(base);
    return match ? { version: [match[1] as string], name: match[2] || base.replace(/\.sql$/, '') } : undefined;
  },
  hasMarkers: (text) => UP.test(text),
  read(text) {
    const boundaries: Boundary[] = [];
    let hasUp = false;
    let noTransaction = false;
    for (const line of linesOf(text)) {
      const directive = DIRECTIVE.exec(line.content);
      if (!directive) continue;
      const at = { start: line.start, end: line.next };
      if (directive[1] === 'up') {
        hasUp = true;
        if (/(?:^|\s)transaction:false(?:\s|$)/.test(directive[2] ?? '')) noTransaction = true;
        boundaries.push({ ...at, effect: { kind: 'forward' } });
      } else {
        boundaries.push({ ...at, effect: { kind: 'backward' } });
      }
    }
    const all = [...boundaries, ...phaseMarkers(text)];
    return { segments: buildSegments(text, all, !hasUp), noTransaction };
  },
};
