import { baseline, type BaselineResult } from '../../adopt/baseline.js';
import { toolCommand } from '../../adopt/plan-baseline.js';
import { UsageError } from '../../errors.js';
import type { MigrationFile } from '../../migrations/migration.js';
import { migrationKey } from '../../runner/plan.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { durationFlag, withRunnerSession, type RunnerCommandOptions } from '../runner-setup.js';

export interface BaselineCommandOptions extends RunnerCommandOptions {
  to?: string;
  dryRun?: boolean;
  force?: boolean;
  format: string;
  lockWait?: string;
}

/**
 * `pgtandem baseline`: records the migrations the database already has (per
 * the tool's history table, or `--to`) as contracted, after checking
 * checksums, pgtandem's state and the live schema. Exit 0 done (or nothing
 * to do), 1 refused, 2 usage, configuration or connection problem.
 */
export async function baselineCommand(options: BaselineCommandOptions, io: CliIO): Promise<number> {
  if (options.format !== 'pretty' && options.format !== 'json') throw new UsageError(`unknown format "${options.format}" (expected pretty or json)`);
  const lockWaitMs = durationFlag('--lock-wait', options.lockWait, 5_000);
  return withRunnerSession('baseline', options, io, async ({ connection, migrations, history, replayOrder }) => {
    const result = await baseline({
      client: connection.client,
      migrations,
      history,
      replayOrder,
      cwd: io.cwd,
      lockWaitMs,
      ...(options.to !== undefined ? { to: options.to } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.force ? { force: true } : {}),
    });
    io.stdout(options.format === 'json' ? `${JSON.stringify(baselineJson(result), null, 2)}\n` : formatBaseline(result));
    return EXIT.ok;
  });
}

const ref = (file: MigrationFile) => ({ version: migrationKey(file), name: file.name, path: file.path });

/** The `--format json` document: schema/baseline-output.schema.json. */
export function baselineJson(result: BaselineResult): unknown {
  const { plan, schema } = result;
  return {
    version: 1,
    dryRun: result.dryRun,
    sources: plan.sources,
    adopted: plan.adopt.map((a) => ({ ...ref(a.file), ...(a.appliedAt ? { appliedAt: a.appliedAt } : {}), ...(a.note ? { note: a.note } : {}) })),
    alreadyAdopted: plan.already.map(ref),
    notAdopted: plan.notAdopted.map((n) => ({ ...ref(n.file), reason: n.reason })),
    pending: plan.pending.map(ref),
    checksumMismatches: plan.checksumMismatches.map((m) => ({ ...ref(m.file), tool: m.tool, recorded: m.recorded, actual: m.actual })),
    history: plan.history.map((h) => ({
      ...(h.tool ? { tool: h.tool, table: h.table } : {}),
      files: h.files.length,
      applied: h.tool ? h.applied.length : null,
      problems: h.problems.map((p) => ({ ...ref(p.file), reason: p.reason })),
    })),
    orphans: plan.orphans,
    schema,
    forced: result.overridden,
  };
}

function formatBaseline(result: BaselineResult): string {
  const { plan, schema } = result;
  const lines: string[] = [];
  if (result.dryRun) lines.push('Dry run of baseline: nothing was changed.');
  for (const source of plan.sources) {
    if (source.kind === 'to') lines.push(`Source: --to ${source.to} (every migration up to it is taken as applied, by hand).`);
    else {
      const verdicts = plan.adopt.length + plan.already.length;
      lines.push(`Source: ${source.table}, written by ${toolCommand(source.tool)}: ${verdicts} applied migration${verdicts === 1 ? '' : 's'} of the ${plan.adopt.length + plan.already.length + plan.pending.length} in the folder.`);
    }
  }
  if (plan.adopt.length > 0) {
    lines.push(`${result.dryRun ? 'Would mark' : 'Marked'} ${plan.adopt.length} migration${plan.adopt.length === 1 ? '' : 's'} as contracted:`);
    const width = Math.max(...plan.adopt.map((a) => migrationKey(a.file).length));
    for (const a of plan.adopt) {
      const when = a.appliedAt ? `  applied ${a.appliedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : '';
      lines.push(`  ${migrationKey(a.file).padEnd(width)}  ${a.file.path}${when}${a.note ? `  (${a.note})` : ''}`);
    }
  } else {
    lines.push(`baseline: nothing to do${plan.already.length > 0 ? `: ${plan.already.length} migration${plan.already.length === 1 ? ' is' : 's are'} already contracted in pgtandem's state` : ''}`);
  }
  if (plan.adopt.length > 0 && plan.already.length > 0) lines.push(`Already contracted in pgtandem's state: ${plan.already.length}.`);
  if (plan.notAdopted.length > 0) {
    lines.push(`Not adopted (their tool did not finish them; pgtandem's runner would run them):`);
    for (const n of plan.notAdopted) lines.push(`  ${n.file.path}: ${n.reason}`);
  }
  for (const o of plan.orphans) lines.push(`${o.table} lists ${o.entries.length} migration${o.entries.length === 1 ? '' : 's'} with no file here: ${o.entries.slice(0, 5).join(', ')}${o.entries.length > 5 ? ', …' : ''}`);
  for (const h of plan.history) {
    const folder = h.files[0] ? h.files[0].path.split('/').slice(0, -1).join('/') : '';
    const account = h.tool ? `${h.table} lists ${h.applied.length} of its ${h.files.length} migrations as applied by ${toolCommand(h.tool)}` : `${h.files.length} migrations, no tool history table found`;
    lines.push(`History (applied by its own tool, never by pgtandem; nothing recorded): ${folder || 'history'}: ${account}.`);
    for (const p of h.problems) lines.push(`  ${p.file.path}: ${p.reason}`);
  }
  const different = schema.missing.length + schema.differs.length;
  lines.push(
    different === 0
      ? `Schema: the database has all ${schema.objects - schema.extra.length} objects the applied migrations make.`
      : `Schema: ${schema.missing.length} missing and ${schema.differs.length} different of the ${schema.objects} objects compared${result.overridden.length > 0 ? ' (adopted anyway: --force)' : ''}:`,
  );
  for (const line of [...schema.missing.map((m) => `${m}: not in the database`), ...schema.differs].slice(0, 20)) lines.push(`  ${line}`);
  if (schema.extra.length > 0) lines.push(`  Also in the database, not made by these migrations: ${schema.extra.length} (${schema.extra.slice(0, 5).join(', ')}${schema.extra.length > 5 ? ', …' : ''})`);
  if (plan.checksumMismatches.length > 0) {
    lines.push(`Checksums: ${plan.checksumMismatches.length} file${plan.checksumMismatches.length === 1 ? '' : 's'} changed since ${plan.checksumMismatches.length === 1 ? 'it' : 'they'} ran (adopted anyway: --force):`);
    for (const m of plan.checksumMismatches) lines.push(`  ${m.file.path}`);
  }
  lines.push(plan.pending.length > 0 ? `Pending for pgtandem's runner: ${plan.pending.length} (next: pgtandem expand).` : 'Pending for pgtandem\'s runner: none.');
  return `${lines.join('\n')}\n`;
}
