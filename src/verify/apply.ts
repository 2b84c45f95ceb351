import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { scriptKysely } from '../runner/pinned-kysely.js';
import { planPhase, planScriptPhase, type PhasePlan } from '../runner/plan.js';
import { loadScriptMigration } from '../migrations/load-script.js';
import { RunnerError } from '../errors.js';

/** The runner's plan of one phase of a migration (a script migration is loaded to find its exports). Needs the parser loaded. */
export async function planOf(file: MigrationFile, phase: Phase, pgVersion: number): Promise<PhasePlan> {
  if (file.script) return planScriptPhase(file, phase, (await loadScriptMigration(file)).phases);
  return planPhase(file, phase, { pgVersion });
}

/**
 * Applies a plan without tracing, with the runner's transaction grouping: a
 * history migration. A backfill runs as written in one transaction (on a
 * shadow database the batching changes nothing but duration).
 */
export async function applyPlan(client: pg.ClientBase, plan: PhasePlan): Promise<void> {
  for (const action of plan.actions) {
    const label = `${plan.migration.path} ${action.id} (line ${action.line})`;
    try {
      if (action.kind === 'statements' && !action.transactional) {
        await client.query(action.sql);
        continue;
      }
      await client.query('BEGIN');
      try {
        if (action.script) await action.script.run(scriptKysely(client));
        else await client.query(action.sql);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } catch (error) {
      throw new RunnerError('PHASE_FAILED', `history migration ${label} failed on the shadow database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}
