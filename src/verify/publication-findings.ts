import type { Finding } from '../lint/finding.js';
import type { PublishedColumnChange } from './published-columns-probe.js';
import type { VerifyRuleId } from './verify-rules.js';
import type { StatementTrace } from './trace.js';

/**
 * A published table that took UPDATE and DELETE before an action (a committed
 * transaction of the runner) and refuses them after it: reported on the
 * action's statement that names the table, or its last one.
 */
export function replicaIdentityFindings(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, traced: readonly StatementTrace[]): Finding[] {
  if (traced.length === 0) return [];
  return [...after]
    .filter(([table]) => !before.has(table))
    .map(([table, message]) =>
      findingAt(
        statementNaming(traced, [tableName(table)]),
        'replica-identity-lost',
        'error',
        `after this, ${table} (published) refuses UPDATE or DELETE on the shadow database: ${message}`,
        'Keep a replica identity on every published table: switch to the new key in the transaction that drops the old one (ADD CONSTRAINT … PRIMARY KEY USING INDEX, or REPLICA IDENTITY USING INDEX), or take the table out of the publication first.',
      ),
    );
}

/**
 * A published column added, renamed or retyped by an action: reported on the
 * action's statement that names the table and the column, else the table,
 * else its last one (a warning: the subscribers may have made the change first).
 */
export function publishedColumnFindings(changes: readonly PublishedColumnChange[], traced: readonly StatementTrace[]): Finding[] {
  if (traced.length === 0) return [];
  return changes
    .map(({ table, columns, message }) =>
      findingAt(
        statementNaming(traced, [tableName(table), ...columns]),
        'published-column-changed',
        'warn',
        `after this, ${message}`,
        'Make the change on every subscriber first (add the column, or a type that takes both the old and new values), then on the publisher; a rename is an add, a backfill and a drop.',
      ),
    )
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

function tableName(key: string): string {
  return key.slice(key.indexOf('.') + 1);
}

/**
 * The first traced statement that names every word, else the first that names
 * the first word (the table), else the first that holds it at all (an index
 * named after its table), else the last.
 */
function statementNaming(traced: readonly StatementTrace[], words: readonly string[]): StatementTrace {
  const names = (trace: StatementTrace, some: readonly string[]): boolean => some.every((word) => wordPattern(word).test(trace.text));
  const first = words[0]!.toLowerCase();
  return (
    traced.find((t) => names(t, words)) ??
    traced.find((t) => names(t, [first])) ??
    traced.find((t) => t.text.toLowerCase().includes(first)) ??
    traced.at(-1)!
  );
}

/** The identifier as a whole word, quoted or not, in any case. */
function wordPattern(word: string): RegExp {
  return new RegExp(`(^|[^a-z0-9_$])"?${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?($|[^a-z0-9_$])`, 'i');
}

function findingAt(trace: StatementTrace, rule: VerifyRuleId, severity: Finding['severity'], message: string, help: string): Finding {
  return { rule, severity, file: trace.file, line: trace.line, column: trace.column, endLine: trace.endLine, endColumn: trace.endColumn, phase: trace.phase, message, help, docs: '' };
}
