import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

const VERSIONED = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;

/**
 * Flyway: `V1_10__name.sql` / `V1.10__name.sql` versioned, `R__name.sql`
 * repeatable (no version: applied after every versioned one), `U…__` undo.
 * A per-script `<file>.conf` with `executeInTransaction=false` runs it outside a transaction.
 */
export const flyway: LayoutReader = {
  layout: 'flyway',
  parseName({ base }) {
    const versioned = VERSIONED.exec(base);
    if (versioned) {
      const parsed = { version: (versioned[2] as string).split(/[._]/), name: versioned[3] as string };
      return versioned[1] === 'U' ? { ...parsed, notForward: 'Flyway undo migration' } : parsed;
    }
    const repeatable = REPEATABLE.exec(base);
    return repeatable ? { version: [], name: repeatable[1] as string } : undefined;
  },
  read: readPhasesOnly,
  sidecar: {
    fileName: ({ base }) => `${base}.conf`,
    disablesTransaction: (text) => /^\s*executeInTransaction\s*=\s*false\s*$/im.test(text),
  },
};
