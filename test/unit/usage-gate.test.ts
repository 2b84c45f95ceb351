import { beforeAll, describe, expect, it } from 'vitest';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { replayMigrations } from '../../src/schema/replay-catalog.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { describeRemoved, removedObjects, type RemovedObject } from '../../src/runner/removed-objects.js';
import { classifyStatement, statementUses } from '../../src/runner/usage-gate.js';
import type { Catalog } from '../../src/schema/catalog.js';
import { fingerprintSql } from '../../src/sql/fingerprint.js';

// What contract removes, and which normalized pg_stat_statements texts use it — without a database:
// the gate's matching, table-driven. (test/integration/usage-gate.test.ts runs it against pg_stat_statements.)
const HISTORY = `-- pgtandem:expand
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE teams (id bigserial PRIMARY KEY, name text, owner_id bigint);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigserial PRIMARY KEY, name text);
CREATE VIEW user_names AS SELECT id, name FROM users;
`;

let catalog: Catalog;
beforeAll(async () => {
  await loadParser();
  catalog = replayMigrations([readMigrationSource('migrations/0001_history.sql', HISTORY, {}, 'native')]);
});

function removedBy(contract: string): RemovedObject[] {
  const file = readMigrationSource('migrations/0002_contract.sql', `-- pgtandem:contract\n${contract}`, {}, 'native');
  return removedObjects(parseSegment(file.text, file.segments[0]!).statements, catalog);
}

describe('what a contract section removes', () => {
  it.each([
    ['ALTER TABLE users DROP COLUMN name;', ['column public.users.name']],
    ['ALTER TABLE billing.invoices DROP COLUMN name, DROP COLUMN IF EXISTS id;', ['column billing.invoices.name', 'column billing.invoices.id']],
    ['ALTER TABLE users RENAME COLUMN name TO full_name;', ['column public.users.name']],
    ['DROP TABLE teams, billing.invoices;', ['table public.teams', 'table billing.invoices']],
    ['ALTER TABLE teams RENAME TO squads;', ['table public.teams']],
    ['DROP VIEW user_names;', ['view public.user_names']],
    ['DROP FUNCTION users_sync(), billing.total(int);', ['function public.users_sync', 'function billing.total']],
    ['ALTER FUNCTION f(int) RENAME TO g;', ['function public.f']],
    ['DROP TRIGGER t ON users; DROP INDEX users_email_idx; ALTER TABLE users VALIDATE CONSTRAINT c; ALTER TABLE users ALTER COLUMN email SET NOT NULL;', []],
  ].map(([sql, expected]) => ({ sql, expected })))('$sql', ({ sql, expected }) => {
    expect(removedBy(sql as string).map(describeRemoved)).toEqual(expected);
  });
});

describe('which statements use what contract removes', () => {
  const question = () => ({ removed: removedBy('ALTER TABLE users DROP COLUMN name; DROP FUNCTION legacy_score(int);'), catalog, ownFingerprints: new Set<string>() });
  const uses = (text: string | null) => classifyStatement(text, question())?.objects.map(describeRemoved) ?? [];

  it.each([
    ['SELECT id, name FROM users WHERE id = $1', ['column public.users.name']],
    ['SELECT u.name FROM users AS u JOIN teams t ON t.owner_id = u.id', ['column public.users.name']],
    ['SELECT users.name FROM public.users WHERE id = $1', ['column public.users.name']],
    ['SELECT * FROM users WHERE id = $1', ['column public.users.name']],
    ['SELECT u.* FROM users u', ['column public.users.name']],
    ['SELECT row_to_json(u) FROM users u', ['column public.users.name']],
    ['INSERT INTO users (email, name) VALUES ($1, $2)', ['column public.users.name']],
    ['INSERT INTO users SELECT * FROM users WHERE id = $1', ['column public.users.name']],
    ['UPDATE users SET name = $1 WHERE id = $2', ['column public.users.name']],
    ['INSERT INTO users (email) VALUES ($1) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.email', ['column public.users.name']],
    ['SELECT id FROM users WHERE lower(name) = $1', ['column public.users.name']],
    ['WITH n AS (SELECT name FROM users) SELECT count(*) FROM n', ['column public.users.name']],
    ['SELECT * FROM user_names', ['column public.users.name']],
    ['COPY users TO STDOUT', ['column public.users.name']],
    ['SELECT legacy_score($1)', ['function public.legacy_score']],
    ['SELECT id, email FROM users WHERE id = $1', []],
    ['UPDATE users SET email = $1 WHERE id = $2', []],
    ['INSERT INTO users (email) VALUES ($1)', []],
    ['SELECT name FROM teams WHERE id = $1', []],
    ['SELECT t.name FROM teams t', []],
    ['SELECT * FROM billing.invoices', []],
    ['SELECT count(*) FROM users', []],
    ['SELECT name FROM pgtandem.migrations', []],
  ].map(([text, expected]) => ({ text, expected })))('$text', ({ text, expected }) => {
    expect(uses(text as string)).toEqual(expected);
  });

  it("pgtandem's own statements are not uses: its state, its backfill batches, DDL, the migrations' own statements", () => {
    const own = question();
    expect(classifyStatement('UPDATE pgtandem.migrations SET state = $1 WHERE version = $2', own)).toBeUndefined();
    expect(
      classifyStatement('WITH pgtandem_batch AS MATERIALIZED (SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT $2) UPDATE users SET email = name FROM pgtandem_batch WHERE users.id = pgtandem_batch.id', own),
    ).toBeUndefined();
    expect(classifyStatement('ALTER TABLE users ADD COLUMN full_name text', own)).toBeUndefined();
    // A migrate statement as pg_stat_statements records it (constants as $n) is the migration's, not the application's.
    const normalized = 'UPDATE users SET name = $1 WHERE name IS NULL';
    expect(classifyStatement(normalized, own)?.objects.map(describeRemoved)).toEqual(['column public.users.name']);
    const fingerprints = new Set([fingerprintSql("UPDATE users SET name = 'unknown' WHERE name IS NULL")!]);
    expect(classifyStatement(normalized, { ...own, ownFingerprints: fingerprints })).toBeUndefined();
  });

  it('a text cut short (track_activity_query_size) or not parseable counts as a use of everything, said so, literals masked', () => {
    // Cut at 63 bytes of a 64-byte track_activity_query_size, it still parses: `na` reads as a column.
    const cut = 'SELECT id, email, created_at FROM users WHERE id = $1 AND na'.padEnd(63, ' ');
    expect(classifyStatement(cut, question())).toBeUndefined();
    expect(classifyStatement(cut, { ...question(), textLimit: 64 })?.objects.map(describeRemoved)).toEqual(['column public.users.name', 'function public.legacy_score']);
    expect(classifyStatement('SELECT id FROM users', { ...question(), textLimit: 64 })).toBeUndefined();
    expect(classifyStatement(`SELECT id FROM users WHERE ${'id > $1 AND '.repeat(10)}true`, { ...question(), textLimit: 64 })).toBeUndefined();
    const use = classifyStatement("SELECT id, email, created_at FROM users WHERE email = 'a@b.c' AND id > 42 AND (na", question());
    expect(use?.unparsed).toBe(true);
    expect(use?.objects.map(describeRemoved)).toEqual(['column public.users.name', 'function public.legacy_score']);
    expect(use?.text).not.toContain('a@b.c');
    expect(use?.text).not.toContain('42');
    expect(classifyStatement(null, question())?.unparsed).toBe(true);
  });

  it('only statements whose calls moved in the window count, most calls first; a count that went down (evicted, back) counts whole', () => {
    const texts = new Map([
      ['10:1', 'SELECT name FROM users WHERE id = $1'],
      ['10:2', 'UPDATE users SET name = $1 WHERE id = $2'],
      ['10:3', 'SELECT * FROM users'],
      ['10:4', 'SELECT id FROM users'],
    ]);
    const start = { takenAt: 0, statsReset: null, calls: new Map([['10:1', 50], ['10:2', 9], ['10:3', 100]]), texts: new Map() };
    const end = { takenAt: 1000, statsReset: null, calls: new Map([['10:1', 50], ['10:2', 12], ['10:3', 4], ['10:4', 7]]), texts };
    expect(statementUses(start, end, question()).map((u) => [u.text, u.calls])).toEqual([
      ['SELECT * FROM users', 4],
      ['UPDATE users SET name = $1 WHERE id = $2', 3],
    ]);
  });
});
