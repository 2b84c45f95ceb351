import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import type { Statement } from '../sql/statement.js';
import { cannotRunInTransaction } from '../sql/transaction-block.js';
import type { RuleContext } from './rule.js';

const sections = new WeakMap<MigrationFile, Map<Phase, Statement[]>>();

/** The lint engine hands over the statements it parsed before any rule runs, so rules never parse a file again. */
export function registerSections(file: MigrationFile, statements: readonly Statement[]): void {
  const byPhase = new Map<Phase, Statement[]>();
  for (const statement of statements) {
    if (statement.container) continue;
    const phase = statement.segment.phase;
    let list = byPhase.get(phase);
    if (!list) byPhase.set(phase, (list = []));
    list.push(statement);
  }
  sections.set(file, byPhase);
}

/**
 * Every top-level statement of one phase section of a file, in order. Rules
 * see statements one at a time and only earlier ones through their context;
 * a few compatibility checks need the whole section — a DROP NOT NULL made
 * safe by a trigger created just below it, a view dropped and recreated in
 * the same transaction.
 */
export function sectionStatements(file: MigrationFile, phase: Phase): readonly Statement[] {
  return sections.get(file)?.get(phase) ?? [];
}

/**
 * The statements after `statement` that run in its transaction: the rest of
 * its section up to a COMMIT/BEGIN or a statement that must run alone (the
 * runner commits before it). Empty when the statement runs outside a
 * transaction, where every later statement commits separately.
 */
export function laterInTransaction(statement: Statement, context: RuleContext): Statement[] {
  if (!context.transaction.inTransaction) return [];
  const at = (statement.container?.parent ?? statement).start;
  const later: Statement[] = [];
  for (const next of sectionStatements(context.file, context.phase)) {
    if (next.start <= at) continue;
    if (next.kind === 'TransactionStmt' || cannotRunInTransaction(next.node, context.pgVersion)) break;
    later.push(next);
  }
  return later;
}
