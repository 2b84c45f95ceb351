import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

const NAME = /^(\d+)_(.+)\.sql$/;

/** pgtandem's own files: `<digits>_<name>.sql` with `-- pgtandem:<phase>` sections. */
export const native: LayoutReader = {
  layout: 'native',
  parseName({ base }) {
    const match = NAME.exec(base);
    return match ? { version: [match[1] as string], name: match[2] as string } : undefined;
  },
  read: readPhasesOnly,
};
