import { describe, expect, it } from 'vitest';
import { assertDatabaseUrl } from '../../src/db/database-url.js';
import { redact } from '../../src/db/redact.js';
import { rerunAdvice } from '../../src/runner/rerun-advice.js';

describe('whether a rerun can help, from how the phase run ended', () => {
  it.each([
    ['interrupted', undefined, true, 'rerun pgtandem expand to resume'],
    ['failed', 'db/1_a.sql:4 expand#1 failed: relation "userz" does not exist (SQLSTATE 42P01)', false, 'a rerun fails the same way'],
    ['failed', 'db/1_a.sql:2 expand#1 failed: could not create unique index "k" (SQLSTATE 23505) — Key (email)=(a) is duplicated.', false, 'fix the statement or the data'],
    ['failed', 'db/1_a.sql:2 expand#1 failed: deadlock detected (SQLSTATE 40P01)', true, 'may pass'],
    ['failed', 'db/1_a.sql:2 expand#1 failed: canceling statement due to lock timeout (SQLSTATE 55P03)', true, 'may pass'],
    ['failed', 'db/1_a.sql:2 expand#1: could not get its locks within lockRetryDeadline (5min, 40 tries with lockTimeout 2s)', true, 'may pass'],
    ['failed', 'db/1_a.sql:3 expand#1 failed: canceling statement due to statement timeout (SQLSTATE 57014)', true, 'raise statementTimeout'],
    ['failed', 'db/1_a.sql:2 expand#1 failed: terminating connection due to administrator command (SQLSTATE 57P01)', true, 'may pass'],
    ['failed', 'expand failed: Connection terminated unexpectedly', true, 'once the server is back'],
  ] as const)('%s: %s', (result, error, rerunCanHelp, advice) => {
    const verdict = rerunAdvice({ phase: 'expand', result, ...(error ? { error } : {}) });
    expect(verdict.rerunCanHelp).toBe(rerunCanHelp);
    expect(verdict.advice).toContain(advice);
  });
});

describe('connection URLs in messages', () => {
  it('a password with an unencoded @ and : is hidden whole', () => {
    expect(redact('cannot use postgres://u:Qj5@Wr8:Zt3@db.internal:5432/app')).toBe('cannot use postgres://u:***@db.internal:5432/app');
  });

  it.each([
    ['postgres://u:Qj5@Wr8:Zt3@[bad/db', "more than one '@'"],
    ['postgres://u:x@[::1/db', "'[' or ']' is unmatched"],
    ['postgres://u:x@host:54x2/db', 'port'],
    ['mysql://u:Qj5@host/db', 'is not a postgres:// URL (its scheme is "mysql")'],
    ['host=localhost password=Qj5', 'is not a postgres:// URL'],
  ])('%s: a usage error that says why, without the URL', (url, reason) => {
    expect(() => assertDatabaseUrl(url)).toThrow(reason);
    try {
      assertDatabaseUrl(url);
    } catch (error) {
      expect((error as Error & { code: string }).code).toBe('USAGE');
      expect((error as Error).message).not.toContain('Qj5');
    }
  });

  it.each(['postgres://u:p%40ss@localhost:5432/db', 'postgresql:///db?host=/var/run/postgresql', 'postgres://[::1]:5432/db'])('%s is accepted', (url) => {
    expect(() => assertDatabaseUrl(url)).not.toThrow();
  });
});
