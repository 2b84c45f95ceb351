import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDatabase, type SeedReport } from '../../src/verify/seed.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// `verify --seed`'s seedDatabase against a real server, on a history with every
// kind of column and constraint it handles: each table, the rows expected.
// The CLI end to end (`pgtandem verify --seed`) is in verify.test.ts, whose
// check that verify leaves no database behind must not race another file's runs.

const HISTORY = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN small_positive AS int CHECK (VALUE BETWEEN 1 AND 100);
CREATE SCHEMA billing;

CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  code varchar(20) NOT NULL UNIQUE,
  short char(3),
  mood mood NOT NULL,
  active boolean NOT NULL,
  settings jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts,
  email text NOT NULL,
  first_name text,
  last_name text,
  full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED,
  age int CHECK (age BETWEEN 0 AND 150),
  manager_id bigint REFERENCES users,
  UNIQUE (account_id, email)
);
CREATE TABLE billing.orders (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users,
  amount numeric(6,2) NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'paid')),
  placed date NOT NULL,
  at time,
  address inet,
  blob bytea,
  tags text[] NOT NULL,
  wait interval,
  score double precision,
  qty smallint NOT NULL
);
CREATE TABLE order_lines (
  order_id bigint NOT NULL,
  line int NOT NULL,
  note varchar(5),
  PRIMARY KEY (order_id, line)
);
CREATE TABLE line_refunds (
  id int PRIMARY KEY,
  order_id bigint NOT NULL,
  line int NOT NULL,
  FOREIGN KEY (order_id, line) REFERENCES order_lines
);
CREATE TABLE events (
  id bigint NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_early PARTITION OF events FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-01-01 08:00+00');
CREATE TABLE events_late PARTITION OF events FOR VALUES FROM ('2024-01-01 08:00+00') TO ('2024-01-02 00:00+00');
CREATE TABLE categories (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES categories, name varchar(10) NOT NULL);
CREATE TABLE teams (id int PRIMARY KEY, captain_id int NOT NULL);
CREATE TABLE players (id int PRIMARY KEY, team_id int REFERENCES teams);
ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES players;
CREATE TABLE bookings (id int PRIMARY KEY, during tstzrange NOT NULL, seats int4range, days daterange, EXCLUDE USING gist (during WITH &&));
CREATE TABLE limited (id int PRIMARY KEY, level small_positive NOT NULL);
CREATE TABLE scores (id int PRIMARY KEY, score small_positive);
CREATE TABLE archive (id int NOT NULL, day date NOT NULL) PARTITION BY RANGE (day);
CREATE TABLE archive_january PARTITION OF archive FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');
CREATE TABLE shapes (id int PRIMARY KEY, at point NOT NULL);
CREATE TABLE husbands (id int PRIMARY KEY, wife_id int NOT NULL);
CREATE TABLE wives (id int PRIMARY KEY, husband_id int NOT NULL REFERENCES husbands);
ALTER TABLE husbands ADD FOREIGN KEY (wife_id) REFERENCES wives;
CREATE TABLE kids (id int PRIMARY KEY, father_id int NOT NULL REFERENCES husbands);
CREATE TABLE letters (id int PRIMARY KEY, wife_id int REFERENCES wives);
CREATE TABLE existing (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO existing VALUES (1, 'kept'), (2, 'kept');
`;

const ROWS = 1000;

/**
 * table → rows expected in it after seeding (the history's own rows included), or those rows and a part of the
 * note that says why not all, or a part of the reason it was skipped.
 */
const expected: Record<string, number | { rows: number; note: string } | string> = {
  accounts: ROWS,
  users: ROWS,
  'billing.orders': ROWS,
  order_lines: ROWS,
  line_refunds: ROWS,
  // 1000 minutes from 2024-01-01 00:01 end at 16:40 on the same day: every row has a partition.
  events: ROWS,
  categories: ROWS,
  players: ROWS,
  teams: ROWS,
  // Ranges never overlap: the exclusion constraint holds.
  bookings: ROWS,
  // The domain allows 1..100: the first try fails, the NOT NULL column cannot be left NULL.
  limited: 'value for domain small_positive violates check constraint',
  existing: ROWS + 2,
  // The domain's CHECK fails from row 101 on: the retry leaves the nullable column NULL.
  scores: { rows: ROWS, note: 'nullable columns left NULL: the full rows failed (value for domain small_positive violates' },
  // Days 2024-01-02 … 2024-01-31 have a partition.
  archive: { rows: 30, note: '970 generated rows rejected' },
  shapes: 'no generator for type point of NOT NULL column at',
  husbands: 'in a cycle of NOT NULL foreign keys',
  wives: 'in a cycle of NOT NULL foreign keys',
  // Children of a table given up: a NOT NULL key into it has nothing to point at, a nullable one stays NULL.
  kids: 'null value in column "father_id"',
  letters: ROWS,
};

describe('seedDatabase', () => {
  let db: TestDatabase;
  let report: SeedReport;
  const count = async (table: string, where = 'true'): Promise<number> => Number((await db.client.query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0].n);

  beforeAll(async () => {
    db = await createTestDatabase('seed_verify');
    await db.client.query(HISTORY);
    report = await seedDatabase(db.client, ROWS);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(Object.entries(expected))('%s', async (table, rows) => {
    const outcome = report.tables.find((t) => t.table === table);
    expect(outcome, table).toBeDefined();
    if (typeof rows === 'string') {
      expect(outcome!.rows).toBe(0);
      expect(outcome!.skipped).toContain(rows);
      expect(await count(table)).toBe(0);
    } else if (typeof rows === 'object') {
      expect(outcome!.skipped).toBeUndefined();
      expect(outcome!.note).toContain(rows.note);
      expect(await count(table)).toBe(rows.rows);
    } else {
      expect(outcome!.skipped).toBeUndefined();
      expect(outcome!.note).toBeUndefined();
      expect(await count(table)).toBe(rows);
    }
  });

  it('reports every table once, parents before children', () => {
    const order = report.tables.map((t) => t.table);
    expect([...order].sort()).toEqual(Object.keys(expected).sort());
    const before = (parent: string, child: string) => expect(order.indexOf(parent), `${parent} before ${child}`).toBeLessThan(order.indexOf(child));
    before('accounts', 'users');
    before('users', 'billing.orders');
    before('order_lines', 'line_refunds');
  });

  it('leaves every 10th value of a nullable column NULL, never a NOT NULL one', async () => {
    expect(await count('accounts', 'settings IS NULL')).toBe(ROWS / 10);
    expect(await count('billing.orders', 'score IS NULL')).toBe(ROWS / 10);
    expect(await count('accounts', 'code IS NULL OR mood IS NULL')).toBe(0);
  });

  it('satisfies CHECKs: a failing value on a nullable column becomes NULL, a NOT NULL one keeps its default', async () => {
    // age 1..1000 against 0..150: 150 values fit, 15 of them on every 10th row (NULL anyway).
    expect(await count('users', 'age IS NOT NULL')).toBe(150 - 15);
    expect(await count('billing.orders', `status <> 'new'`)).toBe(0);
    expect(await count('billing.orders', 'amount <= 0')).toBe(0);
  });

  it('fills foreign keys from the parent rows, composite ones too; a nullable self-reference stays NULL', async () => {
    expect(await count('users u', 'NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = u.account_id)')).toBe(0);
    expect(await count('line_refunds r', 'NOT EXISTS (SELECT 1 FROM order_lines l WHERE (l.order_id, l.line) = (r.order_id, r.line))')).toBe(0);
    expect(await count('users', 'manager_id IS NOT NULL')).toBe(0);
    expect(await count('categories', 'parent_id <> id')).toBe(0);
  });

  it('breaks a foreign key cycle at its nullable side', async () => {
    expect(await count('players', 'team_id IS NOT NULL')).toBe(0);
    expect(await count('teams t', 'NOT EXISTS (SELECT 1 FROM players p WHERE p.id = t.captain_id)')).toBe(0);
  });

  it('lets identity, serial and generated columns work; varchar(n) values fit and stay unique', async () => {
    expect(await count('users', 'id IS NULL')).toBe(0);
    expect(await count('users', `full_name IS DISTINCT FROM first_name || ' ' || last_name`)).toBe(0);
    const codes = await db.client.query('SELECT count(DISTINCT code) AS n, max(length(code)) AS longest FROM accounts');
    expect(Number(codes.rows[0].n)).toBe(ROWS);
    expect(Number(codes.rows[0].longest)).toBeLessThanOrEqual(20);
    expect(await count('accounts', `mood = 'happy'`)).toBeGreaterThan(300);
  });

  it('starts integer keys after the rows the history inserted, and routes partitioned rows', async () => {
    expect(await count('existing', `name = 'kept'`)).toBe(2);
    expect(await count('events_early')).toBeGreaterThan(0);
    expect(await count('events_late')).toBeGreaterThan(0);
  });

  it('analyzes what it filled', async () => {
    const { rows } = await db.client.query(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'accounts'`);
    expect(rows[0].n).toBe(ROWS);
  });
});
