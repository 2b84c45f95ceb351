import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import type { QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import type { Catalog } from '../schema/catalog.js';
import type { ObjectKind } from './created-objects.js';
import type { RuleMeta } from './rule-meta.js';
import type { TransactionState } from './session.js';
import type { Severity } from './severity.js';
import type { Span } from './span.js';

export interface ReportInput {
  message: string;
  /** Defaults to the statement. */
  span?: Span;
  /** Defaults to the rule's `fix`. */
  help?: string;
  /** The statement the finding is about, when a rule reports after later statements were seen; defaults to the one being checked. */
  statement?: Statement;
  /**
   * For a rule whose cases differ in weight (a warning here, an error there); defaults
   * to the rule's severity. A severity set for the rule in the config wins.
   */
  severity?: Severity;
}

/** What a rule knows about the statement it checks, beyond the statement itself. */
export interface RuleContext {
  readonly file: MigrationFile;
  readonly phase: Phase;
  readonly transaction: TransactionState;
  readonly pgVersion: number;
  /** Whether the migration created this object earlier (in this phase, or in expand when aborting). */
  isNew(kind: ObjectKind, name: QualifiedName, member?: string): boolean;
  /** A table created here, or a column added here. */
  isNewColumn(table: QualifiedName, column: string): boolean;
  /** The table of an index created here (so a lock rule can ask whether that table is new). */
  tableOfNewIndex(index: QualifiedName): QualifiedName | undefined;
  /** Whether an earlier statement of this migration's `phase` section created the object (contract-vs-expand checks). */
  isNewIn(phase: Phase, kind: ObjectKind, name: QualifiedName, member?: string): boolean;
  /** Whether this migration created any `kind` (policy, trigger) on `table` earlier, in this phase's scope. */
  hasNewMemberOf(kind: ObjectKind, table: QualifiedName): boolean;
  /**
   * pgtandem's runner applies this file (a native file, unless `runner: "external"`):
   * it sets lock_timeout and statement_timeout, batches migrate-phase DML, and runs
   * CONCURRENTLY statements alone.
   */
  readonly appliedByRunner: boolean;
  /** Config `tenantSchemas`: the file runs once per tenant schema, with search_path set to it. */
  readonly tenantSchemas?: { readonly shared: readonly string[] };
  /**
   * The schema as it stands just before this statement: the migrations before this
   * file (or the live database given to `lint()`), then this file's earlier statements,
   * replayed. An abort statement sees the catalog as expand left it. Look names up
   * with `searchPath` (`catalog.table(name, context.searchPath)`); an object the catalog
   * does not know may still exist (created outside the migrations): never report
   * something only because it is missing.
   */
  readonly catalog: Catalog;
  /** The session's search_path at this statement (`SET search_path`; `public` by default). */
  readonly searchPath: readonly string[];
  /** Earlier statements of the same transaction (empty outside one). */
  readonly transactionStatements: readonly Statement[];
  /** A setting made with SET earlier in the file (SET LOCAL until its transaction ends). */
  setting(name: string): string | undefined;
  report(input: ReportInput): void;
}

export interface Rule extends RuleMeta {
  /**
   * The statement kinds (`statement.kind`: `AlterTableStmt`, `Invalid`, `DynamicSql`, …) that `check`
   * looks at; the engine calls it for no other statement, as ESLint calls a rule only for the node
   * types it subscribes to. Omitted: every statement (rules that keep state across statements,
   * or read any kind). `[]`: never (rules reported by the engine itself).
   */
  statementKinds?: readonly string[];
  check(statement: Statement, context: RuleContext): void;
}

/** Declares a rule: one file under `rules/` exports one of these as default. */
export function defineRule(rule: Rule): Rule {
  return Object.freeze(rule);
}
