import type { RuleMeta } from '../lint/rule-meta.js';
import { PHASES } from '../migrations/phase.js';

/** The ids of verify's findings: observed on a shadow database, not predicted. */
export type VerifyRuleId =
  | 'traced-access-exclusive'
  | 'traced-table-rewrite'
  | 'traced-blocks-writes'
  | 'verify-statement-failed'
  | 'replica-identity-lost'
  | 'published-column-changed'
  | 'v1-query-broken'
  | 'v2-query-broken'
  | 'v1-query-fails-before-change'
  | 'v1-query-result-changed';

const rule = (id: VerifyRuleId, severity: RuleMeta['severity'], summary: string, why: string, fix: string): RuleMeta => ({
  id,
  category: id.startsWith('traced') ? 'lock' : id === 'verify-statement-failed' ? 'correctness' : 'compat',
  severity,
  phases: PHASES,
  summary,
  why,
  fix,
  examples: { bad: [], good: [] },
});

/** Metadata of verify's finding ids, for SARIF's rule table and --help. */
export const VERIFY_RULES: readonly RuleMeta[] = [
  rule(
    'traced-access-exclusive',
    'error',
    'A statement took ACCESS EXCLUSIVE on a table that existed before the phase',
    'ACCESS EXCLUSIVE blocks every read and write of the table while held and while queued. An error when the statement also scanned the table under it (a validation: its duration grows with the table); an info note when it was metadata only (brief; the runner’s lock_timeout bounds the queue behind it).',
    'Use the non-blocking form: NOT VALID then VALIDATE CONSTRAINT, SET NOT NULL through a validated CHECK, CONCURRENTLY.',
  ),
  rule(
    'traced-table-rewrite',
    'error',
    'A statement rewrote a table that existed before the phase (its relfilenode changed)',
    'A rewrite copies every row under ACCESS EXCLUSIVE: reads and writes stop for as long as the copy takes.',
    'Add a new column, backfill it in migrate, switch in contract.',
  ),
  rule(
    'traced-blocks-writes',
    'warn',
    'A statement took SHARE, SHARE ROW EXCLUSIVE or EXCLUSIVE on a table that existed before the phase',
    'These modes conflict with the ROW EXCLUSIVE lock of every INSERT, UPDATE and DELETE: writes wait while the lock is held.',
    'CREATE INDEX CONCURRENTLY; add foreign keys NOT VALID and validate them later.',
  ),
  rule(
    'replica-identity-lost',
    'error',
    'A table a publication publishes updates or deletes of refuses UPDATE or DELETE after a transaction of the change',
    'Logical replication identifies changed rows by the table’s replica identity. Probed on the shadow database (UPDATE … WHERE false): once the primary key or identity index is gone, the identity is NOTHING, or a column list no longer covers it, every UPDATE and DELETE of the application fails.',
    'Switch to the new key in the transaction that drops the old one, or take the table out of the publication first (see the changing-replica-identity rule).',
  ),
  rule(
    'published-column-changed',
    'warn',
    'A column a publication sends was added, renamed or changed type by a transaction of the change',
    'Logical replication does not replicate schema changes: a subscriber matches the publisher’s columns by name and converts values to its own types. Compared on the shadow database before and after each transaction (pg_publication_tables and pg_attribute): a column sent that the subscriber lacks, or a value its type refuses, stops its apply until someone makes the same change there, while the publisher keeps WAL for the slot.',
    'Change the subscribers first, then the publisher (see the changing-published-column rule).',
  ),
  rule('verify-statement-failed', 'error', 'A statement of the change failed on the shadow database', 'It would fail in production too; the phases after it were not run.', 'Fix the statement; rerun verify.'),
  rule(
    'v1-query-broken',
    'error',
    'A query of the old application version no longer prepares, plans or inserts after expand or migrate (or abort)',
    'v1 serves traffic until contract: a query it cannot run is an outage during the deploy.',
    'Keep what v1 reads and writes until contract: add instead of rename, give new NOT NULL columns a default, drop in contract.',
  ),
  rule(
    'v2-query-broken',
    'error',
    'A query of the new application version does not prepare, plan or insert after expand, migrate or contract',
    'v2 ships after expand: everything it runs must work from then on.',
    'Create in expand what v2 needs; drop in contract only what v2 no longer uses.',
  ),
  rule(
    'v1-query-result-changed',
    'warn',
    'A v1 query prepared before the change fails with "cached plan must not change result type" after a phase',
    'Drivers that keep server-side prepared statements (pgjdbc, statement caches) hold plans whose result columns are fixed; SELECT * on a table that gained or lost a column makes every cached execution fail until the session re-prepares.',
    'List the columns instead of SELECT *, or configure the driver to re-prepare.',
  ),
  rule(
    'v1-query-fails-before-change',
    'warn',
    'A v1 query fails before the change is applied, so it cannot be checked',
    'The queries file does not match the schema the history builds (or the query needs parameter types PREPARE cannot infer: add casts like $1::int).',
    'Fix the query or the history.',
  ),
];
