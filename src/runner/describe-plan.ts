import { displayName } from '../sql/names.js';
import type { Action, PhasePlan } from './plan.js';

/**
 * The --dry-run listing: per migration, each action with its transaction
 * boundary, the locks it takes and its SQL. `backfills` holds the engine's
 * description of each backfill action, keyed by `<version> <action id>`;
 * `resumeAt`, per version, the actions an interrupted run already finished.
 */
export function describePlans(plans: readonly PhasePlan[], backfills: ReadonlyMap<string, string> = new Map(), resumeAt: Readonly<Record<string, number>> = {}): string {
  if (plans.length === 0) return 'Nothing to run.\n';
  const lines: string[] = [];
  for (const plan of plans) {
    lines.push(`${plan.migration.path} — ${plan.phase} (${plan.actions.length === 0 ? 'empty section: recorded as done' : `${plan.actions.length} action${plan.actions.length === 1 ? '' : 's'}`})`);
    const done = resumeAt[plan.migration.version] ?? 0;
    if (done > 0) lines.push(`  resumes an interrupted run: the first ${done} action${done === 1 ? '' : 's'} finished already and will not run again`);
    for (const [index, action] of plan.actions.entries()) {
      if (action.script) {
        // Its SQL and locks exist only once the function runs: the plan can name the export, nothing more.
        const language = action.script.language === 'typescript' ? 'TypeScript' : 'JavaScript';
        lines.push(`  ${action.id}  ${index < done ? 'done already: ' : ''}runs ${plan.migration.path} export ${action.script.exportName} (${language}, one transaction)`);
        continue;
      }
      lines.push(`  ${action.id}  ${index < done ? 'done already' : boundary(action)}  line ${action.line}`);
      const locks = action.expectedLocks.map((l) => `${l.mode} on ${displayName(l.table)}`);
      lines.push(`    locks: ${locks.length > 0 ? locks.join(', ') : 'no table lock'}`);
      const backfill = backfills.get(`${plan.migration.version} ${action.id}`);
      if (backfill) lines.push(...backfill.split('\n').map((l) => `    ${l}`));
      for (const statement of action.statements) lines.push(...indentSql(statement.text));
    }
    lines.push('');
  }
  return lines.join('\n');
}

function boundary(action: Action): string {
  if (action.kind === 'backfill') return 'batched backfill: one short transaction per batch';
  if (!action.transactional) return 'outside a transaction (runs alone)';
  return `one transaction (${action.statements.length} statement${action.statements.length === 1 ? '' : 's'})`;
}

function indentSql(text: string): string[] {
  return `${text};`.split('\n').map((l) => `      ${l}`);
}
