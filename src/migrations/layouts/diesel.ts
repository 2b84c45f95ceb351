import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

// `2024-04-12-144026_name`, newer `2026-07-30-140000-0000_name`, or bare digits.
const DIRECTORY = /^(?:(\d{4})-(\d{2})-(\d{2})-(\d{6})(?:-(\d+))?|(\d+))_(.+)$/;

/**
 * Diesel: `migrations/<version>_<name>/up.sql` (+ `down.sql`). The date and time
 * form one number; the counter Diesel 2.2 appends is a second part, so it orders
 * ties without outweighing the date.
 */
export const diesel: LayoutReader = {
  layout: 'diesel',
  parseName({ base, parent }) {
    if (base !== 'up.sql' && base !== 'down.sql') return undefined;
    const match = DIRECTORY.exec(parent);
    if (!match) return undefined;
    const [, year, month, day, time, counter, digits, name] = match;
    const version = digits !== undefined ? [digits] : [`${year}${month}${day}${time}`];
    if (counter !== undefined) version.push(counter);
    const parsed = { version, name: name as string };
    return base === 'down.sql' ? { ...parsed, notForward: 'down migration' } : parsed;
  },
  read: readPhasesOnly,
  sidecar: {
    fileName: () => 'metadata.toml',
    disablesTransaction: (text) => /^\s*run_in_transaction\s*=\s*false\s*(?:#.*)?$/m.test(text),
  },
};
