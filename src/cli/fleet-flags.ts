import { UsageError } from '../errors.js';
import type { RunnerCommandOptions } from './runner-setup.js';

/** The flags a fleet run adds to a phase command or status. */
export interface FleetOptions {
  fleet?: string;
  wave?: string;
  waves?: string;
  targets?: string;
  concurrency?: string;
  format?: string;
}

/** Flags that make no sense with --fleet, or without it, as usage errors (before anything connects). */
export function checkFleetFlags(options: RunnerCommandOptions & FleetOptions, formatNeedsFleet = false): void {
  if (options.fleet === undefined) {
    if (formatNeedsFleet && options.format !== undefined) throw new UsageError('--format needs --fleet <file> (on one database the phase prints its log as it goes)');
    for (const flag of ['wave', 'waves', 'targets', 'concurrency'] as const) {
      if (options[flag] !== undefined) throw new UsageError(`--${flag} needs --fleet <file>`);
    }
    return;
  }
  if (options.databaseUrl !== undefined) throw new UsageError('--fleet and --database-url: the fleet file names the databases (url or urlEnv per target)');
  if (options.embedded) throw new UsageError('--fleet and --embedded: the fleet file names the databases');
  if (options.waves !== undefined && options.waves !== 'all') throw new UsageError(`--waves: expected "all", got "${options.waves}" (one wave: --wave <n|name|next>)`);
  const chosen = [options.wave !== undefined && '--wave', options.waves !== undefined && '--waves', options.targets !== undefined && '--targets'].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')}: choose one way to pick targets`);
  if (options.concurrency !== undefined && !/^[1-9]\d*$/.test(options.concurrency)) throw new UsageError(`--concurrency: expected a whole number of targets at once, at least 1, got "${options.concurrency}"`);
  if (options.format !== undefined && options.format !== 'pretty' && options.format !== 'json') throw new UsageError(`unknown format "${options.format}" (expected pretty or json)`);
}

