import { redact } from '../db/redact.js';
import { RunnerError } from '../errors.js';
import type { MigrationFile } from '../migrations/migration.js';
import { checkContractGuards, type ContractGuard } from '../runner/contract-guard.js';
import { compareKeys } from '../runner/eligibility.js';
import { migrationKey } from '../runner/plan.js';
import type { RunnerEvent } from '../runner/events.js';
import { runPhase } from '../runner/run-phase.js';
import { runnerSettings } from '../runner/settings.js';
import type { PgtandemConfig } from '../lint/config.js';
import { openTarget } from './open-target.js';
import type { FleetTarget } from './resolve-targets.js';
import { runBounded, type Concurrency } from './run-bounded.js';
import { needsPhase, type TargetState } from './target-state.js';

export interface FleetContractCheck {
  states: readonly TargetState[];
  migrations: readonly MigrationFile[];
  config: PgtandemConfig;
  guard: ContractGuard;
  searchPath: readonly string[];
  concurrency: Concurrency;
  to?: string;
  signal?: AbortSignal;
  onEvent?(target: FleetTarget, event: RunnerEvent): void;
}

const SHOWN = 20;

/**
 * Contract is the point of no return, so a selection contracts only when all
 * of it may: every target readable and migrated, and on every database the
 * guards hold — no old-release session (application_name), and the usage
 * gate clear (pg_stat_statements is per database, so it runs once for each
 * database, on the plans of one of its targets, the databases side by side).
 * Throws RunnerError CONTRACT_BLOCKED naming each target that blocks, and why.
 */
export async function checkFleetContract(check: FleetContractCheck): Promise<void> {
  const blockers: string[] = [];
  for (const state of check.states) {
    if (state.error !== undefined) blockers.push(`${state.target.name}: cannot read its state: ${state.error}`);
    else if (needsPhase('migrate', state, check.migrations, check.to)) blockers.push(`${state.target.name}: not migrated yet (${unfinished(state, check.migrations, check.to)})`);
  }
  if (blockers.length === 0 && !check.guard.force) {
    const byDatabase = new Map<string, TargetState[]>();
    for (const state of check.states) byDatabase.set(state.target.database, [...(byDatabase.get(state.target.database) ?? []), state]);
    const groups = [...byDatabase.values()];
    const refusals = await runBounded(groups, (group) => group[0]!.target.server, check.concurrency, (group) => guardDatabase(group, check));
    for (const [index, refusal] of refusals.entries()) {
      if (!refusal) continue;
      const names = groups[index]!.map((s) => s.target.name);
      blockers.push(`${names.length === 1 ? names[0] : `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''} (one database, ${groups[index]![0]!.target.database})`}: ${refusal}`);
    }
  }
  if (blockers.length === 0) return;
  const lines = blockers.slice(0, SHOWN).map((b) => `  ${b}`);
  if (blockers.length > SHOWN) lines.push(`  … and ${blockers.length - SHOWN} more (pgtandem status --fleet lists every target)`);
  throw new RunnerError(
    'CONTRACT_BLOCKED',
    `refusing to contract ${check.states.length} target${check.states.length === 1 ? '' : 's'}: ${blockers.length} block${blockers.length === 1 ? 's' : ''} it; contract runs only when every target in the selection is migrated and its guards hold (nothing was changed):\n${lines.join('\n')}`,
  );
}

/** The guards on one database, through one of its targets with something to contract; the refusal's text, or undefined. */
async function guardDatabase(group: readonly TargetState[], check: FleetContractCheck): Promise<string | undefined> {
  for (const { target } of group) {
    let secrets: string[] = [];
    try {
      const connection = await openTarget(target, `pgtandem contract ${target.name}`.slice(0, 63), check.searchPath);
      secrets = connection.secrets;
      try {
        const dry = await runPhase({
          phase: 'contract',
          migrations: check.migrations,
          client: connection.client,
          settings: runnerSettings(check.config, connection.serverVersion),
          lockWaitMs: 0,
          dryRun: true,
          ...(target.schema !== undefined ? { tenant: { schema: target.schema } } : {}),
          ...(check.to !== undefined ? { to: check.to } : {}),
        });
        if (dry.plans.length === 0) continue;
        await checkContractGuards(connection.client, check.guard, dry.plans, check.migrations, (event) => check.onEvent?.(target, event), check.signal);
        return undefined;
      } finally {
        await connection.close();
      }
    } catch (error) {
      return redact((error as Error).message.split('\n').filter(Boolean).join(' '), [...secrets, target.url]);
    }
  }
  return undefined;
}

function unfinished(state: TargetState, migrations: readonly MigrationFile[], to: string | undefined): string {
  const byKey = new Map(state.records.map((r) => [r.version, r.state]));
  const behind = migrations
    .filter((m) => to === undefined || compareKeys(migrationKey(m), to) <= 0)
    .map((m) => ({ m: migrationKey(m), state: byKey.get(migrationKey(m)) ?? 'pending' }))
    .filter(({ state }) => state !== 'migrated' && state !== 'contracted');
  return behind
    .slice(0, 3)
    .map(({ m, state }) => `${m} ${state}`)
    .concat(behind.length > 3 ? [`${behind.length - 3} more`] : [])
    .join(', ');
}
