import type { Phase } from './phase.js';

/** The migration tools whose file layouts pgtandem reads as they are. */
export const LAYOUTS = [
  'native',
  'plain',
  'golang-migrate',
  'popx',
  'flyway',
  'dbmate',
  'goose',
  'prisma',
  'drizzle',
  'diesel',
] as const;
export type Layout = (typeof LAYOUTS)[number];

/**
 * A contiguous run of a migration file's text that belongs to one phase.
 * Offsets are JavaScript string indexes into `MigrationFile.text`, end exclusive.
 * Layouts that mark statement boundaries themselves (goose StatementBegin/End,
 * Drizzle breakpoints) produce one segment per marked block.
 */
export interface Segment {
  phase: Phase;
  start: number;
  end: number;
}

export type ScriptLanguage = 'typescript' | 'javascript';

/**
 * A migration written as a module (`<version>_<name>.ts`, `.mts`, `.js`,
 * `.mjs`) exporting `expand`, `migrate`, `contract` and `abort` (or `up`) as
 * `async (db: Kysely<any>) => void`. Its phases are its exports, not text
 * sections: such a file has no segments.
 */
export interface MigrationScript {
  language: ScriptLanguage;
  /** Absolute path of the module, to load it wherever the display path is relative to. */
  file: string;
}

/** One migration as a linter or runner sees it: a single forward file. */
export interface MigrationFile {
  /** Path as given or found, used in findings. */
  path: string;
  layout: Layout;
  /** Numeric version segments (`V1_10` → ['1','10']); empty when the file has none. */
  version: string[];
  name: string;
  text: string;
  segments: Segment[];
  /**
   * Whether the tool that applies this file wraps it in a transaction.
   * Native files: the runner's one transaction per phase. Foreign files:
   * the layout's own marker, else `assumeInTransaction`.
   */
  inTransaction: boolean;
  /** Set for a TypeScript or JavaScript migration (layout `native`, no segments); absent for SQL files. */
  script?: MigrationScript;
  /**
   * `tool`: found in a `history` folder, which another tool applies (pgtandem replays it, never runs it).
   * Absent: whoever the file's layout says (pgtandem's runner for native files and its migrationsDir).
   */
  appliedBy?: 'tool';
  /** A problem found while reading the file (not UTF-8, binary); statements may still follow. */
  readProblem?: { message: string; offset: number };
}
