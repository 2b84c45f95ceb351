import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import { migrationKey } from '../runner/plan.js';
import type { MigrationRecord } from '../runner/state.js';
import type { StatusReport } from '../runner/status.js';
import { readToolHistories, toolFiles } from './read-tool-histories.js';
import { TOOL_COMMAND, type HistoryTool } from './tool-history.js';

/** A migration tool's history table that status found, and what it means for pgtandem. */
export interface ForeignHistoryNote {
  tool: HistoryTool;
  table: string;
  /** `migrations`: it lists files of migrationsDir; `history`: files of a history folder (its tool keeps applying them). */
  folder: 'migrations' | 'history';
  /** Files it lists as applied. */
  applied: number;
  /** Of those, migrationsDir files pgtandem's state does not know: `pgtandem baseline` adopts them. */
  unadopted: number;
  message: string;
}

/**
 * Reads the history tables of the tools that apply the project's files and
 * says, per table, how many of pgtandem's migrations it lists as applied that
 * pgtandem's state does not know (their expand would fail on objects already
 * there), and how far a history folder's tool has got. Reads only.
 */
export async function foreignHistoryNotes(
  client: pg.ClientBase,
  migrations: readonly MigrationFile[],
  history: readonly MigrationFile[],
  records: readonly MigrationRecord[],
  cwd: string,
): Promise<ForeignHistoryNote[]> {
  const histories = await readToolHistories(client, await toolFiles([...migrations, ...history], cwd));
  const known = new Set(records.filter((r) => r.state !== 'pending' || r.phases.expand?.finishedAt || (r.checkpoint?.actionsDone ?? 0) > 0).map((r) => r.version));
  const own = new Set(migrations);
  return histories.map((h) => {
    const applied = h.verdicts.filter((v) => v.applied);
    const folder = h.verdicts.some((v) => own.has(v.file)) ? 'migrations' : 'history';
    const table = h.table.startsWith('public.') ? h.table.slice('public.'.length) : h.table;
    const unadopted = applied.filter((v) => own.has(v.file) && !known.has(migrationKey(v.file))).length;
    const plural = (n: number) => `${n} applied migration${n === 1 ? '' : 's'}`;
    const message =
      folder === 'history'
        ? `history: ${table} lists ${applied.length} of ${h.verdicts.length} migrations as applied by ${TOOL_COMMAND[h.tool]} (its tool runs them; pgtandem never does)`
        : unadopted > 0
          ? `found ${table} with ${plural(applied.length)}${unadopted < applied.length ? ` (${unadopted} not in pgtandem's state)` : ''}; run \`pgtandem baseline\` to adopt them`
          : `${table} lists ${plural(applied.length)}, all known to pgtandem`;
    return { tool: h.tool, table: h.table, folder, applied: applied.length, unadopted, message };
  });
}

/** The status report with the notes, and `pgtandem baseline` as the next command while a table lists migrations pgtandem would otherwise expand again. */
export function withForeignHistory(report: StatusReport, notes: readonly ForeignHistoryNote[]): StatusReport & { foreignHistory?: ForeignHistoryNote[] } {
  if (notes.length === 0) return report;
  const adopt = notes.some((n) => n.unadopted > 0) && report.next === 'pgtandem expand';
  return { ...report, ...(adopt ? { next: 'pgtandem baseline' } : {}), foreignHistory: [...notes] };
}
