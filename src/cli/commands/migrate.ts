import type { CliIO } from '../io.js';
import { phaseCommand, type PhaseCommandOptions } from './run-phase.js';

/** `pgtandem migrate`. Applies the migrate section of every expanded migration (backfills in keyset batches): run it while both releases are live. */
export async function migrateCommand(options: PhaseCommandOptions, io: CliIO): Promise<number> {
  return phaseCommand('migrate', options, io);
}
