import { compareDigits } from '../migrations/version.js';

/**
 * The version of the next migration, in the scheme the directory already
 * uses: after timestamps (`20250101120000`, 12 digits or more) the current
 * UTC time in the same number of digits (one past the highest if the clock
 * is behind it); after counters (`0003`) the next number with the same
 * width; in an empty directory `0001`.
 */
export function nextVersion(existing: readonly string[], now: Date): string {
  const highest = [...existing].sort(compareDigits).at(-1);
  if (highest === undefined) return '0001';
  const next = (BigInt(highest) + 1n).toString().padStart(highest.length, '0');
  if (highest.length < 12) return next;
  const stamp = utcStamp(now).slice(0, highest.length).padEnd(highest.length, '0');
  return compareDigits(stamp, highest) > 0 ? stamp : next;
}

/** `YYYYMMDDHHMMSS` in UTC. */
function utcStamp(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** The version prefix of a native file name (`0003_add_x.sql` → `0003`), if it has one. */
export function versionOfFileName(fileName: string): string | undefined {
  return /^(\d+)_/.exec(fileName)?.[1];
}

/** A migration name given with --name: letters, digits, `_` and `-`. */
export function isMigrationName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name);
}
