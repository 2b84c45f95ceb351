import { transactionModeOf } from '../lint/session.js';
import type { FixOutcome, FixTarget } from './fixer.js';

const GOOSE_NO_TRANSACTION = /^\s*--\s*\+goose\s+NO\s+TRANSACTION\s*$/im;
const DBMATE_UP = /^([ \t]*--[ \t]*migrate:up\b)(.*)$/m;

/**
 * The edits that let a statement which cannot run in a transaction block
 * (CONCURRENTLY) run where the file's tool applies it: pgtandem's runner runs
 * it alone by itself; goose takes `-- +goose NO TRANSACTION`, dbmate
 * `transaction:false`; golang-migrate, Prisma and Flyway run a file holding
 * only that statement outside one. Elsewhere the statement needs a migration of
 * its own, which is no mechanical edit.
 */
export function leaveTransaction(target: FixTarget): FixOutcome {
  const { file } = target;
  const mode = transactionModeOf(file);
  if (mode === 'runner' || mode === 'none' || mode === 'auto') return { edits: [] };
  if (file.layout === 'goose') {
    return GOOSE_NO_TRANSACTION.test(file.text) ? { edits: [] } : { edits: [{ start: 0, end: 0, text: '-- +goose NO TRANSACTION\n' }] };
  }
  if (file.layout === 'dbmate') {
    const up = DBMATE_UP.exec(file.text);
    if (!up) return { reason: 'no -- migrate:up line to mark transaction:false' };
    const at = up.index + up[1]!.length;
    return { edits: [{ start: at, end: at, text: ' transaction:false' }] };
  }
  if (mode === 'batch' && target.statements.length === 1) return { edits: [] };
  return {
    reason: `${file.layout === 'plain' ? 'this file runs' : `${file.layout} runs this file`} in one transaction, where CONCURRENTLY fails: move the statement to a migration of its own that runs outside a transaction`,
  };
}
