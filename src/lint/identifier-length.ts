import type { Token } from '../sql/token.js';

/** NAMEDATALEN - 1: PostgreSQL keeps this many bytes of an identifier and drops the rest. */
export const MAX_IDENTIFIER_BYTES = 63;

/** A run of identifier characters (or a quoted name) of at least 16 characters: 63 bytes take 16 four-byte characters at the least. */
const LONG_RUN = /[\p{L}\p{N}_$]{16,}|"(?:[^"]|""){16,}"/gu;
/** The same on ASCII text, where \p{L} and \p{N} are [A-Za-z] and [0-9] and a character is a byte: the regexp engine runs it about twice as fast. */
const LONG_ASCII_RUN = /[A-Za-z0-9_$]{16,}|"(?:[^"]|""){16,}"/g;
const NON_ASCII = /[^\x00-\x7f]/;

/** Whether a text may hold an identifier over the limit: a cheap test before tokenizing. */
export function mayHoldLongIdentifier(text: string): boolean {
  const ascii = !NON_ASCII.test(text);
  const runs = ascii ? LONG_ASCII_RUN : LONG_RUN;
  runs.lastIndex = 0;
  // Most long runs are short in bytes too: only one over the limit counts.
  for (let run = runs.exec(text); run; run = runs.exec(text)) if ((ascii ? run[0].length : Buffer.byteLength(run[0])) > MAX_IDENTIFIER_BYTES) return true;
  return false;
}

/** The identifier a word or quoted-identifier token names, as PostgreSQL stores it before truncation; undefined for other tokens. */
export function identifierOfToken(token: Token): string | undefined {
  // U&"…" escapes are left alone: rare, and their length is not the text's.
  if (token.kind === 'quoted-identifier') return token.text.startsWith('"') ? token.text.slice(1, -1).replace(/""/g, '"') : undefined;
  // Unquoted identifiers fold to lower case (ASCII only, as PostgreSQL's downcase_identifier).
  if (token.kind === 'word') return token.text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  return undefined;
}

/** The identifier cut to `MAX_IDENTIFIER_BYTES` at a character boundary, as PostgreSQL's truncate_identifier does. */
export function truncateIdentifier(identifier: string): string {
  let bytes = 0;
  let kept = '';
  for (const char of identifier) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_IDENTIFIER_BYTES) break;
    bytes += size;
    kept += char;
  }
  return kept;
}
