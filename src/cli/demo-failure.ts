import { redact } from '../db/redact.js';
import { PgtandemError } from '../errors.js';
import type { ShadowServer } from '../verify/shadow.js';

/**
 * What a demo throws when it fails: pgtandem's own errors (a URL that does
 * not parse, a refused connection) as they are, already one safe line; any
 * other as `demo failed: …` with the server's URL and password removed.
 */
export function demoFailure(error: unknown, databaseUrl: string | undefined, server: ShadowServer | undefined): Error {
  if (error instanceof PgtandemError) return error;
  const secrets = [databaseUrl, ...(server?.secrets ?? [])].filter((s): s is string => s !== undefined);
  return new Error(`demo failed: ${redact(error instanceof Error ? error.message : String(error), secrets)}`, { cause: error });
}
