import type { CliIO } from '../io.js';
import { phaseCommand, type PhaseCommandOptions } from './run-phase.js';

/** `pgtandem abort`. Applies the abort section of every expanded or migrated (not contracted) migration, newest first: run it when the new release was rolled back. */
export async function abortCommand(options: PhaseCommandOptions, io: CliIO): Promise<number> {
  return phaseCommand('abort', options, io);
}
