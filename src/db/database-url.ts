import { UsageError } from '../errors.js';

/**
 * Checks that a connection string is a `postgres://` or `postgresql://` URL
 * before any driver sees it, so a typo is a usage error (exit 2) that names
 * what is wrong — never an internal error, and never the URL itself, whose
 * password may be where the parse broke.
 */
export function assertDatabaseUrl(url: string, what = 'the database URL'): void {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new UsageError(`${what} is not a postgres:// URL${scheme && url.includes('://') ? ` (its scheme is "${scheme}")` : ''}: expected postgres://user:password@host:port/database`);
  }
  try {
    new URL(url);
  } catch {
    throw new UsageError(`${what} does not parse as a URL: ${likelyCause(url)}`);
  }
}

function likelyCause(url: string): string {
  const authority = url.replace(/^[^:]+:\/\//, '').split('/')[0] ?? '';
  if ((authority.match(/@/g) ?? []).length > 1) return "it has more than one '@' before the host; write an '@' in the user or password as %40";
  if (authority.includes('[') !== authority.includes(']')) return "a '[' or ']' is unmatched; an IPv6 host is written [::1], and a bracket in the password as %5B / %5D";
  const port = /:(\d*[^\d@/]+\d*)$/.exec(authority.split('@').at(-1) ?? '')?.[1];
  if (port !== undefined) return 'the port after the host is not a number';
  return "percent-encode characters such as '@', ':', '/', '#' and '?' in the user and password";
}
