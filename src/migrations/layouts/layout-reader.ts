import type { Layout, Segment } from '../migration.js';

/** Where a file sits: the versioned directory matters for Prisma and Diesel. */
export interface FileName {
  /** File name, e.g. `0001_init.up.sql`. */
  base: string;
  /** Name of the directory holding it (`20240101000000_init` for Prisma). */
  parent: string;
}

/** What a layout reads from a file name. */
export interface MigrationName {
  version: string[];
  name: string;
  /** Set when the file is not a forward migration: a down file, an undo file, another database's variant. */
  notForward?: string;
  /** The name says the tool runs the file outside a transaction (popx `.autocommit.`). */
  noTransaction?: boolean;
  /** popx: the database the file is written for; undefined for files run on every database. */
  dialect?: string;
}

export interface LayoutBody {
  segments: Segment[];
  /** The file's own marker says it runs outside a transaction. */
  noTransaction: boolean;
}

/** A file beside the migration that can switch its transaction off (Diesel `metadata.toml`, Flyway `.conf`). */
export interface TransactionSidecar {
  fileName(file: FileName): string;
  disablesTransaction(text: string): boolean;
}

/** Everything pgtandem knows about one migration tool's files. */
export interface LayoutReader {
  readonly layout: Layout;
  /** Parses a file name of this layout; undefined when the name does not fit. */
  parseName(file: FileName): MigrationName | undefined;
  /** True when the text carries this layout's own markers (goose, dbmate, Drizzle). */
  hasMarkers?(text: string): boolean;
  read(text: string): LayoutBody;
  sidecar?: TransactionSidecar;
}
