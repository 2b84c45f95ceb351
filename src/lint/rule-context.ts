import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import type { QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import type { Catalog } from '../schema/catalog.js';
import type { CreatedObjects, ObjectKind } from './created-objects.js';
import type { ReportInput, Rule, RuleContext } from './rule.js';
import { helpWithRecipe } from './rule-meta.js';
import type { Session, TransactionState } from './session.js';
import type { Severity } from './severity.js';
import type { Span } from './span.js';

/** A finding as a rule reported it, before ignores and positions. */
export interface PendingFinding {
  rule: Rule;
  /** The case's own severity, when the rule gave one. */
  severity?: Severity;
  span: Span;
  phase: Phase;
  message: string;
  help: string;
  statement: Statement | undefined;
}

/**
 * Where the replay stands: the statement being checked and what is known about
 * it. The engine updates it in place for each statement, so linting tens of
 * thousands of statements allocates no context per statement and rule.
 */
export class StatementFrame {
  statement!: Statement;
  phase!: Phase;
  transaction!: TransactionState;
  transactionStatements!: Statement[];
  /** Where "created earlier in this migration" looks: this phase, and expand too when aborting. */
  scopes!: CreatedObjects[];
  /** The schema just before the statement (for abort: as expand left it, plus abort's own earlier statements). */
  catalog!: Catalog;

  constructor(
    readonly file: MigrationFile,
    readonly pgVersion: number,
    readonly appliedByRunner: boolean,
    readonly created: ReadonlyMap<Phase, CreatedObjects>,
    readonly session: Session,
    readonly tenantSchemas?: { shared: readonly string[] },
  ) {}
}

/** One rule's view of the frame; reports go to the engine's list under that rule. */
export class FrameRuleContext implements RuleContext {
  constructor(
    private readonly frame: StatementFrame,
    private readonly rule: Rule,
    private readonly pending: PendingFinding[],
  ) {}

  get file(): MigrationFile {
    return this.frame.file;
  }
  get phase(): Phase {
    return this.frame.phase;
  }
  get transaction(): TransactionState {
    return this.frame.transaction;
  }
  get pgVersion(): number {
    return this.frame.pgVersion;
  }
  get transactionStatements(): readonly Statement[] {
    return this.frame.transactionStatements;
  }
  get appliedByRunner(): boolean {
    return this.frame.appliedByRunner;
  }
  get tenantSchemas(): { shared: readonly string[] } | undefined {
    return this.frame.tenantSchemas;
  }
  get catalog(): Catalog {
    return this.frame.catalog;
  }
  get searchPath(): readonly string[] {
    return this.frame.session.searchPath;
  }

  isNew(kind: ObjectKind, name: QualifiedName, member?: string): boolean {
    return this.frame.scopes.some((s) => s.has(kind, name, member));
  }

  isNewColumn(table: QualifiedName, column: string): boolean {
    return this.frame.scopes.some((s) => s.hasColumn(table, column));
  }

  tableOfNewIndex(index: QualifiedName): QualifiedName | undefined {
    for (const scope of this.frame.scopes) {
      const table = scope.tableOfIndex(index);
      if (table) return table;
    }
    return undefined;
  }

  isNewIn(phase: Phase, kind: ObjectKind, name: QualifiedName, member?: string): boolean {
    return this.frame.created.get(phase)?.has(kind, name, member) ?? false;
  }

  hasNewMemberOf(kind: ObjectKind, table: QualifiedName): boolean {
    return this.frame.scopes.some((s) => s.hasMemberOf(kind, table));
  }

  setting(name: string): string | undefined {
    return this.frame.session.setting(name);
  }

  report(input: ReportInput): void {
    // A rule may report about an earlier statement after the frame has moved on (prefer-robust-stmts).
    const statement = input.statement ?? this.frame.statement;
    this.pending.push({
      rule: this.rule,
      span: input.span ?? { start: statement.start, end: statement.end },
      phase: statement.segment.phase,
      message: input.message,
      help: helpWithRecipe(input.help ?? this.rule.fix, this.rule.recipe),
      statement,
      ...(input.severity ? { severity: input.severity } : {}),
    });
  }
}
