import type { LayoutBody } from './layout-reader.js';
import { buildSegments, phaseMarkers } from '../segments.js';

/** The body of a layout without markers of its own: the whole file, split only at `-- pgtandem:<phase>`. */
export function readPhasesOnly(text: string): LayoutBody {
  return { segments: buildSegments(text, phaseMarkers(text), true), noTransaction: false };
}
