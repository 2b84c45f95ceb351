/**
 * Removes credentials from text that may hold a connection string: the
 * password of every `scheme://user:password@host` URL, a `password=` key of a
 * libpq keyword string, and any secret passed explicitly (the password of the
 * URL in use, which drivers sometimes echo alone). Every message the runner
 * shows goes through here.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  // Up to the last '@' of the authority: a password with an unencoded '@' or ':' is hidden whole.
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^\s/?#]*@/gi, '$1:***@');
  out = out.replace(/\b(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

/** The password of a connection URL (decoded), for {@link redact}; empty when there is none or the URL does not parse. */
export function passwordOf(url: string): string[] {
  try {
    const parsed = new URL(url);
    const raw = parsed.password;
    return raw ? [...new Set([raw, decodeURIComponent(raw)])] : [];
  } catch {
    return [];
  }
}

/** A URL safe to show: host, port and database, never the password. */
export function describeUrl(url: string): string {
  return redact(url);
}
