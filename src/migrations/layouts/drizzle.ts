import type { LayoutReader } from './layout-reader.js';
import { buildSegments, phaseMarkers, type Boundary } from '../segments.js';

const NAME = /^(\d+)_(.+)\.sql$/;
const BREAKPOINT = '--> statement-breakpoint';

/**
 * Drizzle Kit: `NNNN_name.sql` where `--> statement-breakpoint` (usually at the
 * end of a statement's line) separates statements Drizzle runs one by one.
 */
export const drizzle: LayoutReader = {
  layout: 'drizzle',
  parseName({ base }) {
    const match = NAME.exec(base);
    return match ? { version: [match[1] as string], name: match[2] as string } : undefined;
  },
  hasMarkers: (text) => text.includes(BREAKPOINT),
  read(text) {
    const boundaries: Boundary[] = phaseMarkers(text);
    for (let at = text.indexOf(BREAKPOINT); at !== -1; at = text.indexOf(BREAKPOINT, at + 1)) {
      boundaries.push({ start: at, end: at + BREAKPOINT.length, effect: { kind: 'break' } });
    }
    return { segments: buildSegments(text, boundaries, true), noTransaction: false };
  },
};
