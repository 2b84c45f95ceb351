import type { Finding } from '../lint/finding.js';
import { blockedTraffic, lockStrength } from '../lint/lock-level.js';
import type { StatementTrace } from './trace.js';
import type { VerifyRuleId } from './verify-rules.js';

/**
 * Findings from traced statements: a rewrite of an existing table; ACCESS
 * EXCLUSIVE on one (an error when the statement scanned it under the lock,
 * a note when it was metadata only: every ADD COLUMN takes it, briefly, and
 * the runner's lock_timeout bounds the queue behind it); SHARE-to-EXCLUSIVE modes that stop
 * writes; a statement that failed.
 */
export function traceFindings(traces: readonly StatementTrace[]): Finding[] {
  const findings: Finding[] = [];
  for (const trace of traces) {
    // A script migration's query has no place in the file but its export's line: name it.
    const query = trace.statement ? '' : ` [query: ${oneLine(trace.text)}]`;
    const at = (rule: VerifyRuleId, severity: Finding['severity'], message: string, help: string): void => {
      findings.push({ rule, severity, file: trace.file, line: trace.line, column: trace.column, endLine: trace.endLine, endColumn: trace.endColumn, phase: trace.phase, message: message + query, help, docs: '' });
    };
    if (trace.error) {
      at('verify-statement-failed', 'error', `failed on the shadow database: ${trace.error}`, 'The phases after this statement were not run.');
      continue;
    }
    for (const table of trace.rewritten) {
      at('traced-table-rewrite', 'error', `rewrote table ${table} (its relfilenode changed) under ACCESS EXCLUSIVE: reads and writes wait for the whole copy`, 'Add a new column, backfill it in migrate, switch over in contract.');
    }
    for (const lock of trace.locks) {
      if (lock.kind !== 'table' || !lock.existing || trace.rewritten.includes(lock.relation)) continue;
      // An inherited lock was reported on the statement that took it, unless this one scans the table under it.
      if (lock.inherited && !(lock.mode === 'ACCESS EXCLUSIVE' && trace.scanned.includes(lock.relation))) continue;
      // A weaker lock taken while the transaction already holds a stronger one on the table changes nothing.
      const held = trace.held[lock.relation];
      if (held && lockStrength(held) > lockStrength(lock.mode)) continue;
      const observed = trace.source === 'predicted' ? 'would take (predicted: it runs outside a transaction)' : 'took';
      if (lock.mode === 'ACCESS EXCLUSIVE') {
        const scanned = trace.scanned.includes(lock.relation);
        const message = lock.inherited
          ? `scanned ${lock.relation} under the ACCESS EXCLUSIVE lock an earlier statement of its transaction took: reads and writes wait for a full table scan`
          : scanned
            ? `${observed} ACCESS EXCLUSIVE on ${lock.relation} and scanned it while holding it: reads and writes wait for a full table scan`
            : `${observed} ACCESS EXCLUSIVE on ${lock.relation} (metadata only, no scan): reads and writes wait while it is held or queued`;
        at(
          'traced-access-exclusive',
          scanned ? 'error' : 'info',
          message,
          scanned ? 'Keep the scan out of ACCESS EXCLUSIVE: ADD … NOT VALID then VALIDATE CONSTRAINT, SET NOT NULL through a validated CHECK, CREATE INDEX CONCURRENTLY, or a separate transaction from the ALTER.' : 'Brief; the runner’s lock_timeout and retries keep the queue short.',
        );
      } else if (blockedTraffic(lock.mode) === 'writes') {
        at('traced-blocks-writes', 'warn', `${observed} ${lock.mode} on ${lock.relation}: writes wait while it is held`, 'CREATE INDEX CONCURRENTLY; constraints NOT VALID, validated later.');
      }
    }
  }
  return findings;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}
