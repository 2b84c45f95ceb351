import { CommanderError } from 'commander';
import { PgtandemError, RunnerError } from '../errors.js';

/** DESIGN.md §6: 0 nothing at error severity, 1 errors found (or a runner job failed), 2 usage/configuration/connection. */
export const EXIT = { ok: 0, findings: 1, failed: 1, usage: 2 } as const;

/** The one place errors become a one-line message and an exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  // A failed job may list what stopped it (blocking sessions, old-release clients), one per line.
  if (error instanceof RunnerError) return { message: error.message.trim(), exitCode: EXIT.failed };
  if (error instanceof PgtandemError) return { message: oneLine(error.message), exitCode: EXIT.usage };
  if (error instanceof CommanderError) return { message: oneLine(error.message.replace(/^error: /, '')), exitCode: EXIT.usage };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `internal error: ${oneLine(message)} (please report it; rerun with --verbose for the stack)`, exitCode: EXIT.usage };
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
