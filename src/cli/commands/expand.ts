import type { CliIO } from '../io.js';
import { phaseCommand, type PhaseCommandOptions } from './run-phase.js';

/** `pgtandem expand`. Applies the expand section of every pending (or aborted) migration, in version order: run it before the new release ships. */
export async function expandCommand(options: PhaseCommandOptions, io: CliIO): Promise<number> {
  return phaseCommand('expand', options, io);
}
