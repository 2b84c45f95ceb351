import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';
import { lint } from '../../src/lint/lint.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { loadQueryFile } from '../../src/verify/queries.js';
import { verify } from '../../src/verify/verify.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { migrationsDir, runCli, schemaShape } from '../support/runner-cli.js';
import { tempDir } from '../support/temp-dir.js';

// Every recipe end to end: `pgtandem new` scaffolds the migration after a
// small history; the file must lint clean with that history; verify runs it
// on a shadow database with the old release's (v1) and the new release's (v2)
// queries checked after every phase; then the runner applies it (expand →
// migrate → contract, and expand → abort on a second database) while the
// case writes rows as v1 and v2 would and checks what the other side sees.

const HISTORY = `-- pgtandem:expand
CREATE TABLE users (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email       text NOT NULL CONSTRAINT users_email_key UNIQUE,
  name        text NOT NULL,
  nickname    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_name_idx ON users (name);
CREATE TABLE orders (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL,
  total_cents  integer NOT NULL,
  status       text NOT NULL DEFAULT 'pending',
  note         text
);
INSERT INTO users (email, name, nickname) VALUES ('ada@example.com', 'Ada', 'ada'), ('bob@example.com', 'Bob', 'bob');
INSERT INTO orders (user_id, total_cents, note) VALUES (1, 1000, NULL), (2, 250, 'gift');
`;

type Stage = 'expand' | 'migrate' | 'contract' | 'abort';

interface Case {
  args: string[];
  /** The old release's queries (must keep working through expand, migrate and abort). */
  v1: string;
  /** The new release's queries (must work from expand on, and after contract). */
  v2: string;
  /** Writes as v1/v2 would and checks what the database shows, after each stage the runner completed. */
  check: Partial<Record<Stage, (client: pg.Client) => Promise<void>>>;
}

const V1_ORDERS = `INSERT INTO orders (user_id, total_cents) VALUES ($1, $2);
SELECT id, user_id, total_cents, status, note FROM orders WHERE id = $1;
UPDATE orders SET total_cents = $1 WHERE id = $2;
`;
const V1_USERS = `INSERT INTO users (email, name, nickname) VALUES ($1, $2, $3);
SELECT id, email, name, nickname FROM users WHERE id = $1;
UPDATE users SET name = $1 WHERE id = $2;
`;

async function rows(client: pg.Client, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return (await client.query(sql, params)).rows;
}

async function columnShape(client: pg.Client, table: string, column: string): Promise<string | undefined> {
  const [row] = await rows(client, `SELECT data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS shape FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, [table, column]);
  return row?.shape as string | undefined;
}

const cases: Record<string, Case> = {
  'add-column with a constant default (one statement)': {
    args: ['add-column', 'orders', 'priority', 'integer', '--not-null', '--default', '0'],
    v1: V1_ORDERS,
    v2: `INSERT INTO orders (user_id, total_cents, priority) VALUES ($1, $2, $3);\nSELECT id, priority FROM orders WHERE id = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, 5)`);
        expect(await rows(c, `SELECT DISTINCT priority FROM orders`)).toEqual([{ priority: 0 }]);
      },
      contract: async (c) => expect(await columnShape(c, 'orders', 'priority')).toBe('integer not null'),
    },
  },
  'add-column NOT NULL with a volatile default (set after, backfilled, validated check)': {
    args: ['add-column', 'orders', 'ref', 'uuid', '--not-null', '--default', 'gen_random_uuid()'],
    v1: V1_ORDERS,
    v2: `INSERT INTO orders (user_id, total_cents, ref) VALUES ($1, $2, $3);\nSELECT id, ref FROM orders WHERE ref = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, 5)`);
        expect(await rows(c, `SELECT count(*)::int AS n FROM orders WHERE ref IS NOT NULL`)).toEqual([{ n: 1 }]);
      },
      migrate: async (c) => expect(await rows(c, `SELECT count(*)::int AS n FROM orders WHERE ref IS NULL`)).toEqual([{ n: 0 }]),
      contract: async (c) => {
        expect(await columnShape(c, 'orders', 'ref')).toBe('uuid not null');
        expect(await rows(c, `SELECT count(DISTINCT ref)::int AS n FROM orders`)).toEqual([{ n: 3 }]);
      },
    },
  },
  'add-column NOT NULL filled from other columns (trigger + backfill)': {
    args: ['add-column', 'users', 'email_lower', 'text', '--not-null', '--backfill', 'lower(email)'],
    v1: V1_USERS,
    v2: `INSERT INTO users (email, name, nickname, email_lower) VALUES ($1, $2, $3, $4);\nSELECT id FROM users WHERE email_lower = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO users (email, name, nickname) VALUES ('Cy@Example.com', 'Cy', 'cy')`);
        expect(await rows(c, `SELECT email_lower FROM users WHERE name = 'Cy'`)).toEqual([{ email_lower: 'cy@example.com' }]);
      },
      migrate: async (c) => expect(await rows(c, `SELECT email_lower FROM users WHERE name = 'Ada'`)).toEqual([{ email_lower: 'ada@example.com' }]),
      contract: async (c) => {
        expect(await columnShape(c, 'users', 'email_lower')).toBe('text not null');
        expect(await rows(c, `SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal`)).toEqual([{ n: 0 }]);
      },
    },
  },
  'rename-column (two-way sync trigger)': {
    args: ['rename-column', 'users', 'name', 'full_name'],
    v1: V1_USERS,
    v2: `INSERT INTO users (email, full_name, nickname) VALUES ($1, $2, $3);\nSELECT id, full_name FROM users WHERE id = $1;\nUPDATE users SET full_name = $1 WHERE id = $2;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO users (email, name, nickname) VALUES ('cy@example.com', 'Cy', 'cy')`);
        await c.query(`INSERT INTO users (email, full_name, nickname) VALUES ('di@example.com', 'Di', 'di')`);
        expect(await rows(c, `SELECT name, full_name FROM users WHERE email IN ('cy@example.com', 'di@example.com') ORDER BY email`)).toEqual([
          { name: 'Cy', full_name: 'Cy' },
          { name: 'Di', full_name: 'Di' },
        ]);
        await c.query(`UPDATE users SET name = 'Cyrus' WHERE email = 'cy@example.com'`);
        await c.query(`UPDATE users SET full_name = 'Diana' WHERE email = 'di@example.com'`);
        // v1 updates another column of a row the backfill has not reached: the NOT VALID check must not reject it.
        await c.query(`UPDATE users SET nickname = 'ada2' WHERE email = 'ada@example.com'`);
        expect(await rows(c, `SELECT name, full_name FROM users WHERE email <> 'bob@example.com' ORDER BY email`)).toEqual([
          { name: 'Ada', full_name: 'Ada' },
          { name: 'Cyrus', full_name: 'Cyrus' },
          { name: 'Diana', full_name: 'Diana' },
        ]);
      },
      migrate: async (c) => {
        expect(await rows(c, `SELECT count(*)::int AS n FROM users WHERE full_name IS DISTINCT FROM name`)).toEqual([{ n: 0 }]);
        // A write out of step inside a backfill's transaction (another migration's backfill changing name) still fires the trigger.
        await c.query(`BEGIN; SELECT set_config('pgtandem.backfill', 'on', true); UPDATE users SET name = 'Bobby' WHERE email = 'bob@example.com'; COMMIT`);
        expect(await rows(c, `SELECT full_name FROM users WHERE email = 'bob@example.com'`)).toEqual([{ full_name: 'Bobby' }]);
      },
      contract: async (c) => {
        expect(await columnShape(c, 'users', 'name')).toBeUndefined();
        expect(await columnShape(c, 'users', 'full_name')).toBe('text not null');
        expect(await rows(c, `SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexdef LIKE '%full_name%'`)).toEqual([{ indexname: 'users_full_name_idx' }]);
      },
    },
  },
  'rename-column of a unique column (index rebuilt, constraint put back)': {
    args: ['rename-column', 'users', 'email', 'email_address'],
    v1: V1_USERS,
    v2: `INSERT INTO users (email_address, name, nickname) VALUES ($1, $2, $3);\nSELECT id FROM users WHERE email_address = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO users (email_address, name, nickname) VALUES ('di@example.com', 'Di', 'di')`);
        expect(await rows(c, `SELECT email FROM users WHERE name = 'Di'`)).toEqual([{ email: 'di@example.com' }]);
      },
      contract: async (c) => {
        expect(await rows(c, `SELECT conname FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'u'`)).toEqual([{ conname: 'users_email_address_key' }]);
        await expect(c.query(`INSERT INTO users (email_address, name, nickname) VALUES ('di@example.com', 'Di2', 'd')`)).rejects.toThrow(/duplicate key/);
      },
    },
  },
  'change-column-type (shadow column swapped in at contract)': {
    args: ['change-column-type', 'orders', 'total_cents', 'bigint'],
    v1: V1_ORDERS,
    // v2 keeps the column's name: it works with either type.
    v2: V1_ORDERS,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, 77)`);
        await c.query(`UPDATE orders SET total_cents = 1001 WHERE id = 1`);
        expect(await rows(c, `SELECT total_cents, total_cents_new::int AS shadow FROM orders WHERE id IN (1, 3) ORDER BY id`)).toEqual([
          { total_cents: 1001, shadow: 1001 },
          { total_cents: 77, shadow: 77 },
        ]);
      },
      contract: async (c) => {
        expect(await columnShape(c, 'orders', 'total_cents')).toBe('bigint not null');
        expect(await columnShape(c, 'orders', 'total_cents_new')).toBeUndefined();
        expect(await rows(c, `SELECT total_cents::int AS t FROM orders ORDER BY id`)).toEqual([{ t: 1001 }, { t: 250 }, { t: 77 }]);
      },
    },
  },
  'add-not-null with a backfill': {
    args: ['add-not-null', 'orders', 'note', '--backfill', "''"],
    v1: V1_ORDERS,
    // After contract nothing fills note: the new release writes it.
    v2: `INSERT INTO orders (user_id, total_cents, note) VALUES ($1, $2, $3);\nSELECT id, note FROM orders WHERE id = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, 5)`);
        expect(await rows(c, `SELECT note FROM orders WHERE id = 3`)).toEqual([{ note: '' }]);
      },
      contract: async (c) => {
        expect(await columnShape(c, 'orders', 'note')).toBe('text not null');
        expect(await rows(c, `SELECT note FROM orders ORDER BY id`)).toEqual([{ note: '' }, { note: 'gift' }, { note: '' }]);
      },
    },
  },
  'add-foreign-key (NOT VALID, index, VALIDATE)': {
    args: ['add-foreign-key', 'orders', 'user_id', 'users(id)'],
    v1: V1_ORDERS,
    v2: V1_ORDERS,
    check: {
      expand: async (c) => {
        await expect(c.query(`INSERT INTO orders (user_id, total_cents) VALUES (99, 5)`)).rejects.toThrow(/foreign key/);
        expect(await rows(c, `SELECT indexname FROM pg_indexes WHERE tablename = 'orders' AND indexname = 'orders_user_id_idx'`)).toHaveLength(1);
      },
      migrate: async (c) => expect(await rows(c, `SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'`)).toEqual([{ convalidated: true }]),
    },
  },
  'add-unique (CONCURRENTLY, then USING INDEX)': {
    args: ['add-unique', 'users', 'nickname'],
    v1: V1_USERS,
    v2: V1_USERS,
    check: {
      expand: async (c) => {
        expect(await rows(c, `SELECT conname FROM pg_constraint WHERE contype = 'u' AND conrelid = 'users'::regclass ORDER BY 1`)).toEqual([
          { conname: 'users_email_key' },
          { conname: 'users_nickname_key' },
        ]);
        await expect(c.query(`INSERT INTO users (email, name, nickname) VALUES ('x@example.com', 'X', 'ada')`)).rejects.toThrow(/duplicate key/);
      },
    },
  },
  'add-check (NOT VALID, VALIDATE)': {
    args: ['add-check', 'orders', 'orders_total_cents_not_negative', 'total_cents >= 0'],
    v1: V1_ORDERS,
    v2: V1_ORDERS,
    check: {
      expand: async (c) => expect(c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, -5)`)).rejects.toThrow(/check constraint/),
      migrate: async (c) => expect(await rows(c, `SELECT convalidated FROM pg_constraint WHERE conname = 'orders_total_cents_not_negative'`)).toEqual([{ convalidated: true }]),
    },
  },
  'add-index (partial, CONCURRENTLY)': {
    args: ['add-index', 'orders', 'status', '--where', "status = 'pending'"],
    v1: V1_ORDERS,
    v2: V1_ORDERS,
    check: {
      expand: async (c) =>
        expect(await rows(c, `SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'orders_status_idx'`)).toEqual([{ indisvalid: true }]),
    },
  },
  'drop-column of a NOT NULL column (a default for the new release)': {
    args: ['drop-column', 'users', 'nickname', '--default', "''"],
    v1: V1_USERS,
    v2: `INSERT INTO users (email, name) VALUES ($1, $2);\nSELECT id, email, name FROM users WHERE id = $1;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO users (email, name) VALUES ('di@example.com', 'Di')`);
        expect(await rows(c, `SELECT nickname FROM users WHERE name = 'Di'`)).toEqual([{ nickname: '' }]);
      },
      contract: async (c) => expect(await columnShape(c, 'users', 'nickname')).toBeUndefined(),
    },
  },
  'split-column (two columns computed from one, merged back for v1)': {
    args: ['split-column', 'users', 'name', "first_name:text=split_part(name, ' ', 1)", "last_name:text=split_part(name, ' ', 2)", '--merge', "concat_ws(' ', first_name, last_name)"],
    v1: V1_USERS,
    v2: `INSERT INTO users (email, first_name, last_name, nickname) VALUES ($1, $2, $3, $4);\nSELECT id, first_name, last_name FROM users WHERE id = $1;\nUPDATE users SET last_name = $1 WHERE id = $2;\n`,
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO users (email, name, nickname) VALUES ('cy@example.com', 'Cy Young', 'cy')`);
        await c.query(`INSERT INTO users (email, first_name, last_name, nickname) VALUES ('di@example.com', 'Di', 'Prince', 'di')`);
        await c.query(`UPDATE users SET last_name = 'Lovelace' WHERE email = 'ada@example.com'`);
        expect(await rows(c, `SELECT name, first_name, last_name FROM users WHERE email <> 'bob@example.com' ORDER BY email`)).toEqual([
          { name: 'Ada Lovelace', first_name: 'Ada', last_name: 'Lovelace' },
          { name: 'Cy Young', first_name: 'Cy', last_name: 'Young' },
          { name: 'Di Prince', first_name: 'Di', last_name: 'Prince' },
        ]);
      },
      migrate: async (c) => expect(await rows(c, `SELECT first_name, last_name FROM users WHERE email = 'bob@example.com'`)).toEqual([{ first_name: 'Bob', last_name: '' }]),
      contract: async (c) => expect(await columnShape(c, 'users', 'name')).toBeUndefined(),
    },
  },
  'drop-column of a nullable column (nothing to do before contract)': {
    args: ['drop-column', 'orders', 'note'],
    v1: V1_ORDERS,
    v2: `INSERT INTO orders (user_id, total_cents) VALUES ($1, $2);\nSELECT id, user_id, total_cents, status FROM orders WHERE id = $1;\n`,
    check: {
      expand: async (c) => expect(await columnShape(c, 'orders', 'note')).toBe('text'),
      contract: async (c) => expect(await columnShape(c, 'orders', 'note')).toBeUndefined(),
    },
  },
  'rename-table (updatable view with the old name)': {
    args: ['rename-table', 'orders', 'purchases'],
    v1: V1_ORDERS,
    v2: V1_ORDERS.replace(/orders/g, 'purchases'),
    check: {
      expand: async (c) => {
        await c.query(`INSERT INTO orders (user_id, total_cents) VALUES (1, 5)`);
        expect(await rows(c, `SELECT id::int, status FROM purchases WHERE total_cents = 5`)).toEqual([{ id: 3, status: 'pending' }]);
        await c.query(`UPDATE orders SET total_cents = 6 WHERE id = 3`);
        expect(await rows(c, `SELECT total_cents FROM purchases WHERE id = 3`)).toEqual([{ total_cents: 6 }]);
      },
      contract: async (c) => expect(await rows(c, `SELECT relkind FROM pg_class WHERE relname IN ('orders', 'purchases') ORDER BY relname`)).toEqual([{ relkind: 'r' }]),
      abort: async (c) => expect(await rows(c, `SELECT relname, relkind FROM pg_class WHERE relname IN ('orders', 'purchases')`)).toEqual([{ relname: 'orders', relkind: 'r' }]),
    },
  },
};

function captureIO(cwd: string): CliIO & { out: () => string } {
  let out = '';
  return { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: {}, isTTY: false, cwd, out: () => out };
}

describe('pgtandem new: every recipe lints clean, verifies with v1 and v2 queries, and runs', () => {
  let forward: TestDatabase;
  let rollback: TestDatabase;
  // verify's scratch databases go to a server of their own: verify.test.ts checks that no pgtandem_verify_* database
  // is left behind on the run's server, which these (created and dropped while it runs) would race.
  let shadow: EmbeddedServer;
  beforeAll(async () => {
    forward = await createTestDatabase('recipes_forward');
    // The runner's sessions (not this client's, opened before) count their calls of plpgsql functions: the sync triggers'.
    await forward.client.query(`ALTER DATABASE ${await databaseName(forward.client)} SET track_functions = 'pl'`);
    rollback = await createTestDatabase('recipes_rollback');
    shadow = await startEmbeddedPostgres({ prefix: 'pgtandem-recipes-shadow-' });
  });
  afterAll(async () => {
    await forward?.drop();
    await rollback?.drop();
    await shadow?.stop();
  });

  it.each(Object.entries(cases))('%s', async (_name, recipeCase) => {
    const dir = migrationsDir({ '0001_init.sql': HISTORY });
    const io = captureIO(dir);
    expect(await main(['node', 'pgtandem', 'new', ...recipeCase.args, '--dir', dir], io), io.out()).toBe(0);
    const written = io.out().trim();
    expect(readdirSync(dir).sort()).toEqual(['0001_init.sql', written]);
    const text = readFileSync(join(dir, written), 'utf8');

    // Lints clean: no finding at any severity, with the history replayed first.
    const linted = await lint({ paths: [join(dir, written)], cwd: dir, configFile: false });
    expect(linted.findings.map((f) => `${f.rule} ${f.phase}:${f.line} ${f.message}`), text).toEqual([]);

    // verify: every phase traced on a shadow database, v1 and v2 queries prepared after each.
    const queries = tempDir('pgtandem-recipe-queries-');
    writeFileSync(join(queries, 'v1.sql'), recipeCase.v1);
    writeFileSync(join(queries, 'v2.sql'), recipeCase.v2);
    const { migrations } = await discoverMigrations([dir], { assumeInTransaction: true });
    const verified = await verify({
      migrations,
      selection: { last: true },
      cwd: dir,
      shadowUrl: shadow.url,
      queriesV1: await loadQueryFile(join(queries, 'v1.sql'), 'v1.sql'),
      queriesV2: await loadQueryFile(join(queries, 'v2.sql'), 'v2.sql'),
    });
    expect(verified.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.phase}:${f.line} ${f.message}`), text).toEqual([]);

    // The runner, forward: expand → migrate → contract, with the case's writes and checks after each.
    await resetDatabase(forward.client);
    const env = { DATABASE_URL: forward.url };
    for (const stage of ['expand', 'migrate', 'contract'] as const) {
      const run = await runCli([stage, '--dir', dir], { cwd: dir, env });
      expect(run.code, `${stage}: ${run.stderr}`).toBe(0);
      if (stage === 'migrate') {
        // Every row the backfill writes is in step: no sync trigger fires for it (the runner sets pgtandem.backfill).
        expect(await rows(forward.client, `SELECT funcname, calls::int FROM pg_stat_user_functions WHERE calls > 0`), text).toEqual([]);
      }
      await recipeCase.check[stage]?.(forward.client);
    }

    // And rolled back: expand → abort leaves the schema as the history left it.
    await resetDatabase(rollback.client);
    const rollbackEnv = { DATABASE_URL: rollback.url };
    expect((await runCli(['expand', '--dir', dir, '--to', '0001'], { cwd: dir, env: rollbackEnv })).code).toBe(0);
    const before = await schemaShape(rollback.client);
    for (const args of [['expand'], ['abort', '--to', '0002']]) {
      const run = await runCli([...args, '--dir', dir], { cwd: dir, env: rollbackEnv });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    }
    await recipeCase.check.abort?.(rollback.client);
    expect(await schemaShape(rollback.client)).toEqual(before);
  });
});

async function databaseName(client: pg.Client): Promise<string> {
  return (await client.query<{ name: string }>('SELECT quote_ident(current_database()) AS name')).rows[0]!.name;
}

/** Drops what the previous case left: the public schema and pgtandem's state. */
async function resetDatabase(client: pg.Client): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS pgtandem CASCADE;`);
}
