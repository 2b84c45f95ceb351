import type { Finding } from '../lint/finding.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Catalog } from '../schema/catalog.js';
import type { Statement } from '../sql/statement.js';
import type { TextEdit } from './text-edit.js';

/** What a fixer sees: one finding, the statement it is about, and the whole file. */
export interface FixTarget {
  finding: Finding;
  /** The finding's range in the file text (string offsets). */
  span: { start: number; end: number };
  statement: Statement;
  file: MigrationFile;
  /** The file's top-level statements, in file order. */
  statements: readonly Statement[];
  pgVersion: number;
  /** The schema the migrations before the file leave, when known. */
  catalog?: Catalog;
}

/** Edits that fix the finding, or why there is no mechanical fix for this case (and the `pgtandem new` command that scaffolds it, if one does). */
export type FixOutcome = { edits: TextEdit[] } | { reason: string; recipe?: string };

/** The mechanical fix of one or more rules' findings. */
export interface Fixer {
  rules: readonly string[];
  /** Its edits add phase sections: one such fix per file per pass, the next against the file as the first left it. */
  onePerPass?: boolean;
  fix(target: FixTarget): FixOutcome;
}
