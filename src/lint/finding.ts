import type { Phase } from '../migrations/phase.js';
import type { RuleMeta } from './rule-meta.js';
import type { Severity } from './severity.js';

/** One problem at one place: the unit every reporter prints (DESIGN.md §5, §6). */
export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  /** 1-based, in characters (Unicode code points). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  phase: Phase;
  message: string;
  help: string;
  docs: string;
}

/** The source of a finding's statement, for reporters that show a code frame. */
export interface LintedFile {
  path: string;
  statements: number;
  layout: string;
  text: string;
}

export interface LintSummary {
  files: number;
  errors: number;
  warnings: number;
  /** Migrations at or before the config's `baseline`: replayed for the schema, not linted (`--all` lints them). */
  baseline?: { version: string; files: number };
}

export interface LintResult {
  files: LintedFile[];
  findings: Finding[];
  summary: LintSummary;
  /** The rules this lint ran: the built-in ones, then the config's plugins (reporters describe them). */
  rules?: readonly RuleMeta[];
  /**
   * With `cache`: how many linted files it answered for, how many were linted afresh, how many
   * histories started from a schema it kept, and a write that failed (an errno code).
   */
  cache?: { path: string; hits: number; misses: number; schemas: number; writeError?: string };
}
