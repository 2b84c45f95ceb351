import type { MigrationFile } from '../migrations/migration.js';
import { PHASES } from '../migrations/phase.js';
import { compareKeys } from '../runner/eligibility.js';
import { migrationKey, sectionChecksum } from '../runner/plan.js';
import type { MigrationRecord } from '../runner/state.js';
import { TOOL_COMMAND, type FileVerdict, type HistoryTool, type ToolHistory } from './tool-history.js';

/** Where baseline learns which migrations are applied. */
export type BaselineSource = { kind: 'tool'; tool: HistoryTool; table: string } | { kind: 'to'; to: string };

export interface AdoptedMigration {
  file: MigrationFile;
  /** When the tool applied it, where its table says; else when baseline ran. */
  appliedAt?: string;
  note?: string;
}

/** A file the tool's table names but that is not applied (failed, dirty, rolled back, skipped). */
export interface NotAdopted {
  file: MigrationFile;
  reason: string;
}

export interface ChecksumMismatch {
  file: MigrationFile;
  tool: HistoryTool;
  recorded: string;
  actual: string;
}

/** A history folder (applied by its tool, never by pgtandem): what its tool's table says, for the account and the schema check. */
export interface HistoryAccount {
  tool?: HistoryTool;
  table?: string;
  files: MigrationFile[];
  applied: MigrationFile[];
  problems: NotAdopted[];
}

export interface BaselinePlan {
  sources: BaselineSource[];
  /** migrationsDir files to record as contracted. */
  adopt: AdoptedMigration[];
  /** Already recorded as contracted with the same sections: nothing to do. */
  already: MigrationFile[];
  notAdopted: NotAdopted[];
  checksumMismatches: ChecksumMismatch[];
  /** pgtandem's state disagrees with adopting these (refused whatever the flags). */
  conflicts: string[];
  /** migrationsDir files left for pgtandem's runner. */
  pending: MigrationFile[];
  history: HistoryAccount[];
  /** Entries of a tool's table that no file matches. */
  orphans: { tool: HistoryTool; table: string; entries: string[] }[];
}

export interface PlanBaselineInput {
  /** pgtandem's own folder (migrationsDir), in run order. */
  migrations: readonly MigrationFile[];
  /** The config's history folders, applied by their tools. */
  history: readonly MigrationFile[];
  records: readonly MigrationRecord[];
  toolHistories: readonly ToolHistory[];
  /** Mark every migrationsDir file up to this version as applied, by hand. */
  to?: string;
}

/**
 * Decides, without touching anything, which of pgtandem's migrations are
 * already applied and may be recorded as contracted: those the tool's own
 * history table says it finished (or, with `to`, every one up to that
 * version), less those pgtandem's state already knows. A migration pgtandem
 * has started or recorded differently is a conflict.
 */
export function planBaseline(input: PlanBaselineInput): BaselinePlan {
  const verdictOf = new Map<MigrationFile, { verdict: FileVerdict; history: ToolHistory }>();
  for (const history of input.toolHistories) for (const verdict of history.verdicts) verdictOf.set(verdict.file, { verdict, history });
  const records = new Map(input.records.map((r) => [r.version, r]));
  const plan: BaselinePlan = { sources: [], adopt: [], already: [], notAdopted: [], checksumMismatches: [], conflicts: [], pending: [], history: [], orphans: [] };

  if (input.to !== undefined) plan.sources.push({ kind: 'to', to: input.to });
  for (const history of input.toolHistories) {
    if (history.verdicts.some((v) => input.migrations.includes(v.file)) && input.to === undefined) plan.sources.push({ kind: 'tool', tool: history.tool, table: history.table });
    if (history.orphans.length > 0) plan.orphans.push({ tool: history.tool, table: history.table, entries: history.orphans });
  }

  for (const file of input.migrations) {
    const found = verdictOf.get(file);
    const applied = input.to !== undefined ? compareKeys(migrationKey(file), input.to) <= 0 : found?.verdict.applied === true;
    if (!applied) {
      if (input.to === undefined && found?.verdict.problem) plan.notAdopted.push({ file, reason: found.verdict.problem });
      plan.pending.push(file);
      continue;
    }
    if (input.to === undefined && found?.verdict.checksumMismatch) {
      plan.checksumMismatches.push({ file, tool: found.history.tool, recorded: found.verdict.checksumMismatch.recorded, actual: found.verdict.checksumMismatch.file });
    }
    const record = records.get(migrationKey(file));
    const standing = recordStanding(file, record);
    if (standing === 'already') plan.already.push(file);
    else if (standing === 'free') {
      const verdict = input.to === undefined ? found?.verdict : undefined;
      plan.adopt.push({ file, ...(verdict?.appliedAt ? { appliedAt: verdict.appliedAt } : {}), ...(verdict?.note ? { note: verdict.note } : {}) });
    } else plan.conflicts.push(`${file.path}: ${standing}`);
  }

  const historyGroups = new Map<string, MigrationFile[]>();
  for (const file of input.history) {
    const key = verdictOf.get(file)?.history.table ?? '';
    historyGroups.set(key, [...(historyGroups.get(key) ?? []), file]);
  }
  for (const [table, files] of historyGroups) {
    const history = input.toolHistories.find((h) => h.table === table);
    plan.history.push({
      ...(history ? { tool: history.tool, table } : {}),
      files,
      applied: history ? files.filter((f) => verdictOf.get(f)?.verdict.applied) : [],
      problems: history ? files.flatMap((f) => (verdictOf.get(f)?.verdict.problem ? [{ file: f, reason: verdictOf.get(f)!.verdict.problem! }] : [])) : [],
    });
  }
  return plan;
}

/**
 * What pgtandem's state says of a migration baseline would adopt: `free`
 * when it has no record, or one its runner never got anywhere with (a pending
 * expand that finished no action — the expand that failed because the tables
 * were already there); `already` when it is contracted with these very
 * sections; otherwise why baseline must not overwrite it.
 */
function recordStanding(file: MigrationFile, record: MigrationRecord | undefined): 'free' | 'already' | string {
  if (!record) return 'free';
  const ranPhases = PHASES.filter((p) => record.phases[p]?.finishedAt);
  if (record.state === 'pending' && ranPhases.length === 0 && (record.checkpoint === null || record.checkpoint.actionsDone === 0)) return 'free';
  const changed = PHASES.filter((p) => record.phases[p] && record.phases[p]!.checksum !== sectionChecksum(file, p));
  if (record.state === 'contracted') {
    return changed.length === 0 ? 'already' : `recorded as contracted, but its ${changed.join(', ')} section${changed.length === 1 ? '' : 's'} changed since (restore the text that ran)`;
  }
  const progress = record.checkpoint ? ` (its ${record.checkpoint.phase} stopped after ${record.checkpoint.actionsDone} action(s))` : '';
  return `pgtandem's state says ${record.state}${progress}: pgtandem's runner has worked on it, so it is not history to adopt; finish it with the runner (pgtandem status)`;
}

/** What a tool runs these files with, for messages. */
export function toolCommand(tool: HistoryTool): string {
  return TOOL_COMMAND[tool];
}
