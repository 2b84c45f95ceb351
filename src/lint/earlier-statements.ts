import type { Phase } from '../migrations/phase.js';
import type { Statement } from '../sql/statement.js';
import type { RuleContext } from './rule.js';
import { sectionStatements } from './section-statements.js';

/**
 * The phases of a migration that have certainly run before a statement of
 * `phase`, in deploy order. Abort follows expand; whether migrate ran before
 * the canary was rolled back is unknown, so it does not count.
 */
const RAN_BEFORE: Record<Phase, readonly Phase[]> = {
  expand: [],
  migrate: ['expand'],
  contract: ['expand', 'migrate'],
  abort: ['expand'],
};

/**
 * The top-level statements of this migration that have run, in order, by the
 * time `statement` runs: the earlier phases' sections, then the statements
 * before it in its own phase — in any transaction, unlike
 * `context.transactionStatements`. For rules whose safe recipe spans
 * transactions (a CHECK validated in migrate that lets contract's SET NOT NULL
 * skip its scan).
 */
export function earlierStatements(statement: Statement, context: RuleContext): Statement[] {
  const at = (statement.container?.parent ?? statement).start;
  return [
    ...RAN_BEFORE[context.phase].flatMap((phase) => sectionStatements(context.file, phase)),
    ...sectionStatements(context.file, context.phase).filter((s) => s.start < at),
  ];
}
