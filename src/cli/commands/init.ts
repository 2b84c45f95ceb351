import { relative } from 'node:path';
import { initProject } from '../../init/init-project.js';
import { rules } from '../../lint/lint.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';
import { packageVersion } from '../package-version.js';

export interface InitCommandOptions {
  fromSquawk?: string | true;
  dir?: string;
  force?: boolean;
}

/** `pgtandem init`: writes pgtandem.config.json and the migrations folder, and says what it found. */
export async function initCommand(options: InitCommandOptions, io: CliIO): Promise<number> {
  const result = await initProject({
    cwd: io.cwd,
    ...(options.dir !== undefined ? { dir: options.dir } : {}),
    ...(options.fromSquawk !== undefined ? { fromSquawk: options.fromSquawk } : {}),
    force: options.force === true,
    toolVersion: packageVersion(),
    knownRules: rules.map((r) => r.id),
  });
  const lines = [`wrote ${relative(io.cwd, result.configPath) || result.configPath}`];
  if (result.history.length > 0 && result.detected) {
    lines.push(`history: ${result.history.join(', ')} (${result.detected.migrations} ${result.detected.layout} migration${result.detected.migrations === 1 ? '' : 's'}, applied by ${result.detected.layout}; baseline ${result.baseline ?? 'none'})`);
    lines.push(`migrations: ${result.migrationsDir} (pgtandem's phased migrations${result.createdMigrationsDir ? ', created' : ''})`);
  } else if (result.detected) lines.push(`migrations: ${result.migrationsDir} (${result.detected.migrations} ${result.detected.layout} migration${result.detected.migrations === 1 ? '' : 's'})`);
  else lines.push(`migrations: ${result.migrationsDir}${result.createdMigrationsDir ? ' (created)' : ' (no migrations yet)'}`);
  for (const note of result.notes) lines.push(note);
  lines.push(`next: pgtandem lint${result.detected ? '' : ` once ${result.migrationsDir}/ holds a migration`}; then pgtandem expand | migrate | contract at each deploy stage`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
