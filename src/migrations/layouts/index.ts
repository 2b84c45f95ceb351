import type { Layout } from '../migration.js';
import type { LayoutReader } from './layout-reader.js';
import { dbmate } from './dbmate.js';
import { diesel } from './diesel.js';
import { drizzle } from './drizzle.js';
import { flyway } from './flyway.js';
import { golangMigrate } from './golang-migrate.js';
import { goose } from './goose.js';
import { native } from './native.js';
import { plain } from './plain.js';
import { popx } from './popx.js';
import { prisma } from './prisma.js';

/** Every layout's reader; the record type fails to compile when a layout has none. */
export const LAYOUT_READERS: Readonly<Record<Layout, LayoutReader>> = {
  native,
  plain,
  'golang-migrate': golangMigrate,
  popx,
  flyway,
  dbmate,
  goose,
  prisma,
  drizzle,
  diesel,
};
