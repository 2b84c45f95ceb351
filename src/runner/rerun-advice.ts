import type { PhaseRun } from './state.js';

/**
 * What a rerun of a phase run that did not succeed will do, from how it ended
 * and the server's SQLSTATE in its message: an interruption resumes; a lock
 * that could not be had, a deadlock, a serialization failure, a lost
 * connection or a server shutting down may pass on a rerun; anything else (a
 * missing relation, a violated constraint, bad data) fails the same way until
 * the file or the data is fixed.
 */
export function rerunAdvice(run: Pick<PhaseRun, 'phase' | 'result' | 'error'>): { rerunCanHelp: boolean; advice: string } {
  const rerun = `pgtandem ${run.phase}`;
  if (run.result === 'interrupted') return { rerunCanHelp: true, advice: `rerun ${rerun} to resume` };
  if (run.result === 'running') return { rerunCanHelp: true, advice: `rerun ${rerun} to resume once it has stopped` };
  const error = run.error ?? '';
  const sqlstate = /\(SQLSTATE ([0-9A-Z]{5})\)/.exec(error)?.[1];
  if (/could not get its locks within lockRetryDeadline/.test(error) || (sqlstate && TRANSIENT.test(sqlstate))) {
    return { rerunCanHelp: true, advice: `a rerun of ${rerun} may pass once the blocking work is gone` };
  }
  if (sqlstate === '57014') return { rerunCanHelp: true, advice: `timed out: rerun ${rerun} when the load is lower, or raise statementTimeout` };
  if (/cannot connect to the database|Connection terminated|ECONNRE(SET|FUSED)/.test(error)) {
    return { rerunCanHelp: true, advice: `the connection was lost: rerun ${rerun} once the server is back` };
  }
  return { rerunCanHelp: false, advice: `a rerun fails the same way: fix the statement or the data first (a section none of whose actions finished may still be edited), then rerun ${rerun}` };
}

// Class 40 (deadlock, serialization), 55P03 (lock_not_available), 08 (connection), 53 (resources), 57P01–57P05 (shutdown, crash recovery).
const TRANSIENT = /^(40|08|53)|^55P03$|^57P0[1-5]$/;
