import { nodeOf } from '../../sql/statement.js';
import type { Fixer } from '../fixer.js';
import { leaveTransaction } from '../leave-transaction.js';

/** The word after which CONCURRENTLY goes: CREATE [UNIQUE] INDEX, DROP INDEX, REINDEX INDEX|TABLE|SCHEMA|DATABASE|SYSTEM. */
const AFTER: Record<string, readonly string[]> = {
  IndexStmt: ['INDEX'],
  DropStmt: ['INDEX'],
  ReindexStmt: ['INDEX', 'TABLE', 'SCHEMA', 'DATABASE', 'SYSTEM'],
};

/** require-concurrent-index-creation, -deletion and require-concurrent-reindex: add CONCURRENTLY, and take the file out of its transaction the way its tool does. */
export const concurrently: Fixer = {
  rules: ['require-concurrent-index-creation', 'require-concurrent-index-deletion', 'require-concurrent-reindex'],
  fix(target) {
    const { statement } = target;
    const words = AFTER[statement.kind];
    if (!words) return { reason: 'not an index statement' };
    if (statement.kind === 'ReindexStmt' && target.pgVersion < 12) return { reason: 'REINDEX has no CONCURRENTLY form before PostgreSQL 12' };
    if (statement.kind === 'DropStmt' && (nodeOf(statement, 'DropStmt')?.objects?.length ?? 0) > 1) {
      return { reason: 'DROP INDEX CONCURRENTLY drops one index per statement: split it first' };
    }
    if (statement.kind === 'ReindexStmt' && ['SYSTEM'].some((w) => statement.tokens.some((t) => t.upper === w))) return { reason: 'system catalogs cannot be reindexed concurrently' };
    const word = statement.tokens.find((t) => t.kind === 'word' && words.includes(t.upper));
    if (!word) return { reason: 'no INDEX keyword found' };
    const way = leaveTransaction(target);
    if ('reason' in way) return way;
    return { edits: [{ start: word.end, end: word.end, text: ' CONCURRENTLY' }, ...way.edits] };
  },
};
