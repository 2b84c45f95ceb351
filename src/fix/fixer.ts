import type { Finding } from '../lint/finding.js';
import type { MigrationFile } from '../migrations/migration.js';
import type { Catalog } from '../schema/catalog.js';
import type { Statement } from '../sql/statement.js';
import type { FollowUp } from './follow-up-migration.js';
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
  /** The migration a foreign file's tool runs after it, for what must wait for another transaction (or why there is none). */
  followUp?: FollowUp | { reason: string };
}

/**
 * Edits that fix the finding (and statements for the follow-up migration, run
 * after the file in a transaction of its own), or why there is no mechanical fix for this case (and the `pgtandem new` command that scaffolds it, if one does). */
export type FixOutcome = { edits: TextEdit[]; followUp?: string[] } | { reason: string; recipe?: string };

/** The mechanical fix of one or more rules' findings. */
export interface Fixer {
  rules: readonly string[];
  /** Its edits add phase sections: one such fix per file per pass, the next against the file as the first left it. */
  onePerPass?: boolean;
  fix(target: FixTarget): FixOutcome;
}
