import type { CliIO } from '../io.js';
import { phaseCommand, type PhaseCommandOptions } from './run-phase.js';

/** `pgtandem contract`. Applies the contract section of every migrated migration once no session of the old release is connected: the point of no return. */
export async function contractCommand(options: PhaseCommandOptions, io: CliIO): Promise<number> {
  return phaseCommand('contract', options, io);
}
