import { fingerprintSync, normalizeSync } from 'libpg-query';

/**
 * PostgreSQL's statement fingerprint (libpg_query): equal for statements
 * that differ only in their constants or `$n` parameters, so a normalized
 * pg_stat_statements text matches the statement it came from. Undefined when
 * the text does not parse. Needs the parser loaded (`loadParser`).
 */
export function fingerprintSql(text: string): string | undefined {
  try {
    return fingerprintSync(text);
  } catch {
    return undefined;
  }
}

/** The text with every constant replaced by `$n` (PostgreSQL's normalization); undefined when it does not parse. */
export function normalizeSql(text: string): string | undefined {
  try {
    return normalizeSync(text);
  } catch {
    return undefined;
  }
}
