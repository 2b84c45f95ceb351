import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

// `0001_init.up.sql`, and Authelia's `V0001.Initial_Schema.up.sql`.
const NAMES = [/^(\d+)_(.+)\.(up|down)\.sql$/, /^V(\d+)\.(.+)\.(up|down)\.sql$/];

/** golang-migrate (and gobuffalo/pop-style) `N_name.up.sql` / `N_name.down.sql` pairs. */
export const golangMigrate: LayoutReader = {
  layout: 'golang-migrate',
  parseName({ base }) {
    for (const pattern of NAMES) {
      const match = pattern.exec(base);
      if (!match) continue;
      const parsed = { version: [match[1] as string], name: match[2] as string };
      return match[3] === 'down' ? { ...parsed, notForward: 'down migration' } : parsed;
    }
    return undefined;
  },
  read: readPhasesOnly,
};
