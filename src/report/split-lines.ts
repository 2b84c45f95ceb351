/** Same line-break convention as Postgres and the position module: CRLF, LF or a lone CR. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
