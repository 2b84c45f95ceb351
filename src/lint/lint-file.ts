import type { MigrationFile } from '../migrations/migration.js';
import { describePhasedFile, PHASED_FILE_FIX, phasedSections } from '../migrations/foreign-tool.js';
import { isPhase, PHASES, type Phase } from '../migrations/phase.js';
import { isStatementDirective, STATEMENT_DIRECTIVES } from '../migrations/directives.js';
import { nestedStatements } from '../sql/nested-statements.js';
import { parseSegment } from '../sql/parse-segment.js';
import { SourceText } from '../sql/source-text.js';
import { Catalog } from '../schema/catalog.js';
import { replayStatement } from '../schema/replay-catalog.js';
import { registerSections } from './section-statements.js';
import type { Statement } from '../sql/statement.js';
import type { Token } from '../sql/token.js';
import { suggest } from './config.js';
import { CreatedObjects } from './created-objects.js';
import type { Finding } from './finding.js';
import { collectIgnores, silences, type IgnoreDirective } from './ignores.js';
import type { Rule } from './rule.js';
import { FrameRuleContext, StatementFrame, type PendingFinding } from './rule-context.js';
import { ruleDocsUrl } from './rule-meta.js';
import { Session } from './session.js';
import type { RuleSetting, Severity } from './severity.js';
import type { Span } from './span.js';
import { sizeNote } from './table-sizes.js';

export interface FileLintOptions {
  /** Every registered rule; settings decide which run. */
  rules: readonly Rule[];
  settings: Readonly<Record<string, RuleSetting>>;
  pgVersion: number;
  /** Who applies native files: pgtandem's runner (default) or another tool. */
  runner?: 'pgtandem' | 'external';
  /** The migrations run once per tenant schema (config `tenantSchemas`). */
  tenantSchemas?: { shared: readonly string[] };
  /**
   * The schema before this file (the migrations before it, replayed); the file's
   * expand, migrate and contract statements are applied to it in place, so the
   * next file sees them. Defaults to an empty catalog.
   */
  catalog?: Catalog;
  /** Lock and rewrite findings on tables under this many rows (sizes known from a live database) drop to warnings. */
  smallTableRows?: number;
  /**
   * Whether the catalog may know table sizes (only one read from a live database does);
   * false skips looking for them. Default true.
   */
  tableSizes?: boolean;
  /**
   * Moves a finding from the linted text to the file the user wrote, when they
   * differ: a TypeScript migration is linted as the SQL it records, its
   * findings point at the calls that ran each statement. `span` is the
   * finding's range in the linted text.
   */
  place?: (finding: Finding, span: Span) => Finding;
}

export interface FileLintResult {
  findings: Finding[];
  statements: number;
}


/** Lints one migration file: parse every segment, replay the session, run the rules, apply ignores. */
export function lintMigrationFile(given: MigrationFile, options: FileLintOptions): FileLintResult {
  const byId = rulesById(options.rules);
  const phased = phasedSections(given);
  const file = asRun(given, phased);
  const severityOf = (rule: Rule): RuleSetting => options.settings[rule.id] ?? (rule.enabledByDefault === false ? 'off' : rule.severity);
  const active = options.rules.filter((rule) => severityOf(rule) !== 'off');
  const { statements, comments } = statementsOf(file);

  registerSections(file, statements);
  const pending: PendingFinding[] = [];
  const syntaxRule = byId.get('syntax-error');
  if (file.readProblem && syntaxRule) {
    const offset = Math.min(file.readProblem.offset, file.text.length);
    pending.push({
      rule: syntaxRule,
      span: { start: offset, end: Math.min(offset + 1, file.text.length) },
      phase: file.segments[0]?.phase ?? 'expand',
      message: file.readProblem.message,
      help: 'Save migrations as UTF-8 text; PostgreSQL rejects bytes that are not valid in the database encoding.',
      statement: undefined,
    });
  }
  if (syntaxRule) pending.push(...unknownPhaseMarkers(comments, syntaxRule, statements));
  const phasedRule = byId.get('phased-file-in-foreign-folder');
  if (phasedRule && phased.length > 0) {
    const message = `${describePhasedFile(given, phased)}.`;
    for (const section of phased) pending.push({ rule: phasedRule, span: { start: section.start, end: section.end }, phase: 'expand', message, help: PHASED_FILE_FIX, statement: undefined });
  }
  runRules(file, options, statements, active, pending);

  const directives = collectIgnores(comments, statements, file.text);
  const kept = applyIgnores(pending, directives, byId, severityOf, byId.get('unused-ignore'), statements);

  const source = new SourceText(file.text);
  const place = options.place ?? ((finding: Finding) => finding);
  const findings = kept
    .map((f) => place(toFinding(f, file.path, source, (options.settings[f.rule.id] as Severity | undefined) ?? f.severity ?? (severityOf(f.rule) as Severity)), f.span))
    .sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return { findings, statements: statements.length };
}

/**
 * What linting the file does to `options.catalog`, with no rule run: the schema a later file is linted
 * against is then the same whether this one was linted, answered for by `lint --cache`, or only replayed
 * (a baseline, files before `--since`). The schema layer's `replayFile` models the session more simply.
 */
export function replayMigrationFile(given: MigrationFile, options: { catalog: Catalog; pgVersion: number }): void {
  const file = asRun(given, phasedSections(given));
  const { statements } = statementsOf(file);
  const session = new Session(file, options.pgVersion, statements);
  // As runRules applies them: abort's statements go to a copy, a function body's run when it is called.
  for (const statement of statements) {
    const phase = statement.segment.phase;
    session.enter(statement, phase);
    if (phase !== 'abort' && statement.container?.kind !== 'function') replayStatement(options.catalog, statement, session.searchPath);
    session.leave(statement);
  }
}

/** A tool that runs a phased file whole runs every section at deploy, before the new release: all of it is expand. */
function asRun(file: MigrationFile, phased: readonly unknown[]): MigrationFile {
  return phased.length > 0 ? { ...file, segments: file.segments.map((s) => ({ ...s, phase: 'expand' as const })) } : file;
}

/** Every statement in file order (a statement's phase is its segment's), and the comments. */
function statementsOf(file: MigrationFile): { statements: Statement[]; comments: Token[] } {
  const statements: Statement[] = [];
  const comments: Token[] = [];
  for (const segment of file.segments) {
    const parsed = parseSegment(file.text, segment);
    for (const statement of parsed.statements) {
      statements.push(statement);
      // What a DO block or a function body would run is linted like the statements around it.
      statements.push(...nestedStatements(statement));
    }
    for (const token of parsed.tokens) if (token.kind === 'comment') comments.push(token);
  }
  return { statements, comments };
}

/** The rules by id, built once per rule list: a lint run hands every file the same list. */
const byList = new WeakMap<readonly Rule[], ReadonlyMap<string, Rule>>();
function rulesById(rules: readonly Rule[]): ReadonlyMap<string, Rule> {
  let map = byList.get(rules);
  if (!map) byList.set(rules, (map = new Map(rules.map((rule) => [rule.id, rule]))));
  return map;
}

const MARKER = /^--\s*pgtandem:\s*([A-Za-z_-]*)/;

/**
 * `-- pgtandem:contrat`: a typo would silently leave the statements below in the previous phase.
 * Statement directives (`-- pgtandem:no-batch`) are known words too.
 */
function unknownPhaseMarkers(comments: Token[], rule: Rule, statements: Statement[]): PendingFinding[] {
  return comments.flatMap((comment) => {
    const word = MARKER.exec(comment.text)?.[1];
    if (word === undefined || isPhase(word.toLowerCase()) || isStatementDirective(word.toLowerCase())) return [];
    return [
      {
        rule,
        span: { start: comment.start, end: comment.end },
        phase: statements.find((s) => s.start > comment.start)?.segment.phase ?? 'expand',
        message: `Unknown section marker "pgtandem:${word}": the statements below it stay in the previous phase.`,
        help: `Section markers are -- pgtandem:${PHASES.join(', -- pgtandem:')}, each on a line of its own; -- pgtandem:${STATEMENT_DIRECTIVES.join(', -- pgtandem:')} qualifies the statement below it.`,
        statement: undefined,
      },
    ];
  });
}

function runRules(
  file: MigrationFile,
  options: FileLintOptions,
  statements: Statement[],
  rules: readonly Rule[],
  pending: PendingFinding[],
): void {
  const pgVersion = options.pgVersion;
  const appliedByRunner = file.layout === 'native' && options.runner !== 'external';
  const session = new Session(file, pgVersion, statements);
  const created = new Map<Phase, CreatedObjects>();
  const createdIn = (phase: Phase): CreatedObjects => {
    let objects = created.get(phase);
    if (!objects) created.set(phase, (objects = new CreatedObjects(() => session.searchPath)));
    return objects;
  };
  const frame = new StatementFrame(file, pgVersion, appliedByRunner, created, session, options.tenantSchemas);
  const history = options.catalog ?? new Catalog();
  // Abort runs against the schema as expand left it, and is no part of the history: it gets a copy.
  let abortCatalog: Catalog | undefined;
  const hasAbort = file.segments.some((s) => s.phase === 'abort');
  const contexts = rules.map((rule) => ({ rule, context: new FrameRuleContext(frame, rule, pending) }));
  // The rules that look at a statement of this phase and kind, in registry order: most rules read one or two
  // kinds, so each statement goes to a few rules instead of every rule testing its kind.
  const dispatch = new Map<string, typeof contexts>();
  const rulesFor = (phase: Phase, kind: string): typeof contexts => {
    const key = `${phase}\0${kind}`;
    let list = dispatch.get(key);
    if (!list) {
      list = contexts.filter(
        ({ rule }) =>
          rule.phases.includes(phase) &&
          // A statement that did not parse has only its syntax error to report.
          (kind !== 'Invalid' || rule.id === 'syntax-error') &&
          (rule.statementKinds === undefined || rule.statementKinds.includes(kind)),
      );
      dispatch.set(key, list);
    }
    return list;
  };
  let transactionStatements: Statement[] = [];
  let transactionId = -1;

  for (const statement of statements) {
    const phase = statement.segment.phase;
    const transaction = session.enter(statement, phase);
    if (transaction.id !== transactionId || !transaction.inTransaction) {
      transactionStatements = [];
      transactionId = transaction.id;
    }
    frame.statement = statement;
    frame.phase = phase;
    frame.transaction = transaction;
    frame.transactionStatements = transactionStatements;
    // Abort undoes expand: what expand created is as new to the running v1 as what abort creates.
    frame.scopes = phase === 'abort' ? [createdIn('abort'), createdIn('expand')] : [createdIn(phase)];
    if (hasAbort && !abortCatalog && phase !== 'expand') abortCatalog = history.clone();
    frame.catalog = phase === 'abort' ? abortCatalog! : history;
    const before = pending.length;
    for (const { rule, context } of rulesFor(phase, statement.kind)) rule.check(statement, context);
    if (pending.length > before && options.tableSizes !== false) noteSizes(pending.slice(before), statement, frame.catalog, session.searchPath, options.smallTableRows ?? DEFAULT_SMALL_TABLE_ROWS);
    // A function body runs when called, not now: only a DO block's statements create objects here.
    if (statement.container?.kind !== 'function') {
      createdIn(phase).observe(statement);
      replayStatement(frame.catalog, statement, session.searchPath);
    }
    session.leave(statement);
    // Rules read this list synchronously and keep no reference to it, so it grows in place.
    // A function body's statements run when it is called, not in this transaction.
    if (transaction.inTransaction && statement.container?.kind !== 'function') transactionStatements.push(statement);
  }
}

const DEFAULT_SMALL_TABLE_ROWS = 10_000;

/**
 * With sizes from a live database, a lock or rewrite finding says how big
 * the tables are, and on tables that are all small it is a warning: holding
 * ACCESS EXCLUSIVE on a 200-row lookup table for a millisecond stalls no one.
 */
function noteSizes(found: PendingFinding[], statement: Statement, catalog: Catalog, searchPath: readonly string[], smallTableRows: number): void {
  const locking = found.filter((f) => f.rule.category === 'lock');
  if (locking.length === 0) return;
  const note = sizeNote(statement, catalog, searchPath, smallTableRows);
  if (!note) return;
  for (const finding of locking) {
    finding.message = note.small
      ? `${finding.message} Tables: ${note.text} — under smallTableRows (${smallTableRows.toLocaleString('en-US')}), so the lock is brief.`
      : `${finding.message} Tables: ${note.text}.`;
    if (note.small) finding.severity = 'warn';
  }
}

function applyIgnores(
  pending: PendingFinding[],
  directives: IgnoreDirective[],
  known: ReadonlyMap<string, Rule>,
  severityOf: (rule: Rule) => RuleSetting,
  unusedRule: Rule | undefined,
  statements: Statement[],
): PendingFinding[] {
  const used = new Set<IgnoreDirective>();
  const usedRules = new Map<IgnoreDirective, Set<string>>();
  const kept = pending.filter((finding) => {
    const directive = directives.find((d) => silences(d, finding.rule.id, finding.statement));
    if (!directive) return true;
    used.add(directive);
    let names = usedRules.get(directive);
    if (!names) usedRules.set(directive, (names = new Set()));
    names.add(finding.rule.id);
    return false;
  });
  if (!unusedRule || severityOf(unusedRule) === 'off') return kept;

  const phaseAt = (offset: number): Phase => (statements.find((s) => s.end > offset) ?? statements.at(-1))?.segment.phase ?? 'expand';
  const unused = (directive: IgnoreDirective, message: string): PendingFinding => ({
    rule: unusedRule,
    span: directive.span,
    phase: phaseAt(directive.span.start),
    message,
    help: unusedRule.fix,
    statement: undefined,
  });
  const label = directiveLabel;
  for (const directive of directives) {
    // squawk's comments serve squawk too: its unknown names are its own rules, and
    // where the two linters disagree squawk may still need the comment.
    if (directive.dialect === 'squawk') continue;
    for (const id of directive.rules) {
      if (!known.has(id)) kept.push(unused(directive, `${label(directive)} names unknown rule "${id}"${suggest(id, [...known.keys()])}`));
    }
    if (directive.scope === 'statement' && !directive.target) {
      kept.push(unused(directive, `${label(directive)} is not followed by any statement`));
      continue;
    }
    const named = directive.rules.filter((id) => known.has(id) && severityOf(known.get(id)!) !== 'off');
    if (directive.rules.length === 0 && !used.has(directive)) {
      kept.push(unused(directive, `${label(directive)} silences nothing: no finding here to ignore`));
      continue;
    }
    for (const id of named) {
      if (!usedRules.get(directive)?.has(id)) kept.push(unused(directive, `${label(directive)} for "${id}" matched no finding`));
    }
  }
  return kept;
}

function directiveLabel(directive: IgnoreDirective): string {
  return directive.scope === 'file' ? 'pgtandem-ignore-file' : 'pgtandem-ignore';
}

function toFinding(pending: PendingFinding, path: string, source: SourceText, severity: Severity): Finding {
  const start = source.position(pending.span.start);
  const end = source.position(Math.max(pending.span.end, pending.span.start));
  return {
    rule: pending.rule.id,
    severity,
    file: path,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    phase: pending.phase,
    message: pending.message,
    help: pending.help,
    docs: ruleDocsUrl(pending.rule),
  };
}
