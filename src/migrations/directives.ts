/**
 * `-- pgtandem:<word>` comments that are not section markers: they qualify the
 * statement right below them. `no-batch` makes the runner run a migrate
 * statement as written instead of in keyset batches.
 */
export const STATEMENT_DIRECTIVES = ['no-batch'] as const;
export type StatementDirective = (typeof STATEMENT_DIRECTIVES)[number];

export function isStatementDirective(value: string): value is StatementDirective {
  return (STATEMENT_DIRECTIVES as readonly string[]).includes(value);
}
