import { CommanderError } from 'commander';
import { PgtandemError } from '../errors.js';

/** DESIGN.md §6: 0 nothing at error severity, 1 errors found, 2 usage/configuration/connection. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

/** The one place errors become a one-line message and an exit code. */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof PgtandemError) return { message: oneLine(error.message), exitCode: EXIT.usage };
  if (error instanceof CommanderError) return { message: oneLine(error.message.replace(/^error: /, '')), exitCode: EXIT.usage };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `internal error: ${oneLine(message)} (please report it; rerun with --verbose for the stack)`, exitCode: EXIT.usage };
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
