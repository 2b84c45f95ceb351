import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

const NUMBERED = /^(\d+)[-_.](.+)\.sql$/;

/** Any other `.sql` file. A leading number (`0003-add-index.sql`) still orders it. */
export const plain: LayoutReader = {
  layout: 'plain',
  parseName({ base }) {
    const match = NUMBERED.exec(base);
    if (match) return { version: [match[1] as string], name: match[2] as string };
    return { version: [], name: base.replace(/\.sql$/i, '') };
  },
  read: readPhasesOnly,
};
