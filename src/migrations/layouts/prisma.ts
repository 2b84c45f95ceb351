import type { LayoutReader } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

const DIRECTORY = /^(\d+)_(.+)$/;

/** Prisma Migrate: `migrations/<timestamp>_<name>/migration.sql`. */
export const prisma: LayoutReader = {
  layout: 'prisma',
  parseName({ base, parent }) {
    const match = base === 'migration.sql' ? DIRECTORY.exec(parent) : null;
    return match ? { version: [match[1] as string], name: match[2] as string } : undefined;
  },
  read: readPhasesOnly,
};
