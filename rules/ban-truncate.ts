import { PHASES, type Phase } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { findWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar, type QualifiedName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

/** Who loses the rows, by phase (DESIGN.md §1); `it` is "it" or "them". */
function consequence(phase: Phase, it: string): string {
  switch (phase) {
    case 'expand':
      return `the running version (v1) still reads and writes ${it}, and no rollback brings the rows back`;
    case 'migrate':
      return `both running versions (v1 and v2) still use ${it}, and no rollback brings the rows back`;
    case 'contract':
      return `if v2 no longer uses ${it}, DROP TABLE instead (emptying first gains nothing); if it does, its data is gone`;
    case 'abort':
      return `v1, running again after the rollback, still reads and writes ${it}`;
  }
}

export default defineRule({
  id: 'ban-truncate',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['TruncateStmt'],
  summary: 'TRUNCATE of an existing table.',
  why:
    'TRUNCATE takes ACCESS EXCLUSIVE on every table it empties: reads and writes stop, and while it waits behind a long query every later query queues behind it. ' +
    'The rows are gone at once, for the running application version too, and no rollback of the deploy brings them back. ' +
    'TRUNCATE … CASCADE also empties every table with a foreign key to the truncated ones, and the tables referencing those, recursively. ' +
    'In contract it is still an error: the table is either retired (then drop it) or still used by v2 (then its data vanishes under it).',
  fix:
    'Migrate: DELETE the rows in key-range batches (the pgtandem runner batches migrate-phase DML), which takes only row locks and lets both versions keep running. ' +
    'Retiring the table: stop using it in v2, then DROP TABLE in contract (a release later, so a rollback still finds it). Never TRUNCATE … CASCADE in a migration: ' +
    'delete from the referencing tables explicitly, in batches.',
  examples: {
    bad: [
      'TRUNCATE sessions;\n',
      '-- pgtandem:migrate\nTRUNCATE TABLE app."Carts" RESTART IDENTITY CASCADE;\n',
      '-- pgtandem:contract\nTRUNCATE legacy_sessions;\n',
    ],
    good: [
      "-- pgtandem:migrate\nDELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < now() LIMIT 1000);\n",
      'CREATE TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\nTRUNCATE import_rows;\n',
      '-- pgtandem:contract\nDROP TABLE legacy_sessions;\n',
    ],
  },
  check(statement, context) {
    const truncate = nodeOf(statement, 'TruncateStmt');
    if (!truncate) return;
    const tables = (truncate.relations ?? [])
      .map((r) => ('RangeVar' in r ? nameOfRangeVar(r.RangeVar) : undefined))
      .filter((t): t is QualifiedName => t !== undefined && !context.isNew('table', t));
    if (tables.length === 0) return;
    const names = tables.map(displayName).join(', ');
    const it = tables.length > 1 ? 'them' : 'it';
    const cascade = truncate.behavior === 'DROP_CASCADE' ? ` CASCADE also empties every table with a foreign key to ${it}, recursively, under the same lock.` : '';
    context.report({
      message: `TRUNCATE takes ACCESS EXCLUSIVE on ${names} (reads and writes wait) and deletes every row at once: ${consequence(context.phase, it)}.${cascade}`,
      span: findWords(statement, ['TRUNCATE', 'TABLE?']),
    });
  },
});
