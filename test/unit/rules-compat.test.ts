import { describe, expect, it } from 'vitest';
import type { PgtandemConfig } from '../../src/lint/config.js';
import { lint } from '../../src/lint/lint.js';
import type { Layout } from '../../src/migrations/migration.js';

interface Source {
  layout?: Layout;
  config?: Partial<PgtandemConfig>;
}

const PATHS: Partial<Record<Layout, string>> = { native: 'migrations/0001_change.sql', plain: 'migrations/0001_change.sql' };

async function run(text: string, { layout = 'native', config }: Source = {}) {
  const result = await lint({
    sources: [{ path: PATHS[layout] ?? 'migrations/0001_change.sql', text, layout }],
    configFile: false,
    ...(config ? { config } : {}),
  });
  return result.findings;
}

/** One rule's findings for an in-memory migration, each as `<line>:<column> in <phase>`. */
async function findings(rule: string, text: string, source: Source = {}): Promise<string[]> {
  return (await run(text, source)).filter((f) => f.rule === rule).map((f) => `${f.line}:${f.column} in ${f.phase}`);
}

async function messages(rule: string, text: string, source: Source = {}): Promise<string[]> {
  return (await run(text, source)).filter((f) => f.rule === rule).map((f) => f.message);
}

const sql = (...lines: string[]): string => `${lines.join('\n')}\n`;

describe('backfill-outside-migrate-phase', () => {
  const rule = 'backfill-outside-migrate-phase';

  it('flags a backfill in expand and contract, not in the batched migrate phase nor in abort', async () => {
    const text = sql(
      "UPDATE orders SET region = 'eu' WHERE region IS NULL;",
      '-- pgtandem:migrate',
      "UPDATE orders SET region = 'eu' WHERE region IS NULL;",
      '-- pgtandem:contract',
      'DELETE FROM sessions WHERE expires_at < now();',
      '-- pgtandem:abort',
      'UPDATE users SET name = full_name WHERE name IS NULL;',
    );
    expect(await findings(rule, text)).toEqual(['1:1 in expand', '5:1 in contract']);
    const [expand] = await messages(rule, text);
    expect(expand).toContain('UPDATE of orders in expand');
    expect(expand).toContain('-- pgtandem:migrate');
  });

  it('migrate is not batched when another tool applies native files, or inside BEGIN … COMMIT', async () => {
    const update = "UPDATE orders SET region = 'eu' WHERE region IS NULL;";
    expect(await findings(rule, sql('-- pgtandem:migrate', update), { config: { runner: 'external' } })).toEqual(['2:1 in migrate']);
    expect(await findings(rule, sql('-- pgtandem:migrate', 'BEGIN;', update, 'COMMIT;'))).toEqual(['3:1 in migrate']);
    expect((await messages(rule, sql('-- pgtandem:migrate', 'BEGIN;', update, 'COMMIT;')))[0]).toContain('inside BEGIN … COMMIT');
  });

  it('a foreign file is all expand: its backfills are flagged, with advice for another tool', async () => {
    const text = sql('ALTER TABLE "Billing"."Invoice" ADD COLUMN "paidAt" timestamptz;', 'UPDATE "Billing"."Invoice" SET "paidAt" = "updatedAt" WHERE "status" = \'PAID\';');
    expect(await findings(rule, text, { layout: 'plain' })).toEqual(['2:1 in expand']);
    const [message] = await messages(rule, text, { layout: 'plain' });
    expect(message).toContain('UPDATE of "Billing"."Invoice"');
    expect(message).toContain('outside the schema migration');
  });

  it('INSERT … SELECT from a table and MERGE are backfills; VALUES, constants and VALUES subqueries are seed data', async () => {
    const text = sql(
      "INSERT INTO flags (name) VALUES ('a'), ('b');",
      "INSERT INTO flags (name) SELECT 'c' WHERE NOT EXISTS (SELECT 1 FROM flags WHERE name = 'c');",
      "INSERT INTO flags (name) SELECT v FROM (VALUES ('d'), ('e')) AS t (v);",
      'INSERT INTO flags (name) SELECT n FROM generate_series(1, 3) AS n;',
      'INSERT INTO order_archive SELECT * FROM orders WHERE created_at < now() - interval \'1 year\';',
      'MERGE INTO stock s USING deliveries d ON s.sku = d.sku WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty;',
      'WITH src AS (SELECT id FROM orders) INSERT INTO order_ids SELECT id FROM src;',
      "WITH seed (v) AS (VALUES ('x')) INSERT INTO flags (name) SELECT v FROM seed;",
    );
    expect(await findings(rule, text)).toEqual(['5:1 in expand', '6:1 in expand', '7:1 in expand']);
  });

  it('a data-modifying CTE counts, wherever the WITH is', async () => {
    const text = sql('WITH moved AS (DELETE FROM events WHERE created_at < now() RETURNING *) INSERT INTO events_archive SELECT * FROM moved;');
    expect(await messages(rule, text)).toEqual([expect.stringContaining('DELETE of events')]);
    expect(await findings(rule, sql('WITH x AS (UPDATE t SET a = 1 RETURNING id) SELECT count(*) FROM x;'))).toEqual(['1:1 in expand']);
  });

  it('rows picked by id are a data fix, not a pass over the table', async () => {
    const text = sql(
      "UPDATE settings SET value = 'on' WHERE id = 7;",
      "DELETE FROM models WHERE id IN ('clr1', 'clr2') AND project_id IS NULL;",
      "UPDATE users SET plan = 'free' WHERE plan = 'trial';",
    );
    expect(await findings(rule, text)).toEqual(['3:1 in expand']);
  });

  it('filling a table created earlier in the migration is fine', async () => {
    const text = sql('CREATE TABLE totals (user_id bigint, cents bigint);', 'INSERT INTO totals SELECT user_id, sum(total_cents) FROM orders GROUP BY 1;', 'UPDATE totals SET cents = 0 WHERE cents IS NULL;');
    expect(await findings(rule, text)).toEqual([]);
  });

  it('a trigger function body runs per row when called, a DO block runs now', async () => {
    const fn = sql(
      'CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  UPDATE counters SET n = n + 1 WHERE name = TG_TABLE_NAME;',
      '  RETURN NEW;',
      'END;',
      '$$;',
    );
    expect(await findings(rule, fn)).toEqual([]);
    const block = sql('DO $$', 'BEGIN', "  UPDATE counters SET n = 0 WHERE name LIKE 'tmp_%';", 'END;', '$$;');
    expect(await findings(rule, block)).toEqual(['3:3 in expand']);
  });
});

describe('ban-drop-not-null', () => {
  const rule = 'ban-drop-not-null';

  it('flags each subcommand in expand and migrate, not in contract or abort', async () => {
    const text = sql(
      'ALTER TABLE app."Users"',
      '  ALTER COLUMN "displayName" DROP NOT NULL,',
      '  ALTER COLUMN locale DROP NOT NULL;',
      '-- pgtandem:migrate',
      'ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;',
      '-- pgtandem:contract',
      'ALTER TABLE users ALTER COLUMN bio DROP NOT NULL;',
      '-- pgtandem:abort',
      'ALTER TABLE users ALTER COLUMN bio DROP NOT NULL;',
    );
    expect(await findings(rule, text)).toEqual(['2:3 in expand', '3:3 in expand', '5:19 in migrate']);
    expect((await messages(rule, text))[0]).toContain('"displayName" of app."Users"');
  });

  it('a BEFORE INSERT row trigger on the table in the expand section fills the column for v1: accepted, before or after', async () => {
    const trigger = 'CREATE TRIGGER users_fill BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_fill();';
    const drop = 'ALTER TABLE users ALTER COLUMN name DROP NOT NULL;';
    expect(await findings(rule, sql(drop, trigger))).toEqual([]);
    expect(await findings(rule, sql(trigger, drop))).toEqual([]);
    expect(await findings(rule, sql(trigger, '-- pgtandem:migrate', drop))).toEqual([]);
  });

  it('an AFTER trigger, a statement trigger or a trigger on another table does not', async () => {
    const drop = 'ALTER TABLE users ALTER COLUMN name DROP NOT NULL;';
    for (const trigger of [
      'CREATE TRIGGER t AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION f();',
      'CREATE TRIGGER t BEFORE INSERT ON users FOR EACH STATEMENT EXECUTE FUNCTION f();',
      'CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION f();',
      'CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION f();',
    ]) {
      expect(await findings(rule, sql(drop, trigger))).toEqual(['1:19 in expand']);
    }
  });

  it('columns added in this migration are exempt, in an earlier statement or earlier in the same one', async () => {
    expect(await findings(rule, sql("ALTER TABLE users ADD COLUMN nick text NOT NULL DEFAULT '';", 'ALTER TABLE users ALTER COLUMN nick DROP NOT NULL;'))).toEqual([]);
    expect(await findings(rule, sql("ALTER TABLE users ADD COLUMN nick text NOT NULL DEFAULT '', ALTER COLUMN nick DROP NOT NULL;"))).toEqual([]);
  });

  it('foreign files are expand', async () => {
    expect(await findings(rule, sql('ALTER TABLE users ALTER COLUMN name DROP NOT NULL;'), { layout: 'plain' })).toEqual(['1:19 in expand']);
  });
});

describe('ban-drop-default', () => {
  const rule = 'ban-drop-default';

  it('flags DROP DEFAULT and SET DEFAULT NULL while v1 runs, not in contract', async () => {
    const text = sql(
      'ALTER TABLE billing."Invoice" ALTER COLUMN "currency" DROP DEFAULT, ALTER COLUMN "issuedAt" SET DEFAULT NULL;',
      '-- pgtandem:contract',
      'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;',
    );
    expect(await findings(rule, text)).toEqual(['1:31 in expand', '1:69 in expand']);
  });

  it('says NULL instead of failure when the same statement drops NOT NULL', async () => {
    const [message] = await messages(rule, sql('ALTER TABLE t ALTER COLUMN c DROP NOT NULL, ALTER COLUMN c DROP DEFAULT;'));
    expect(message).toContain('now store NULL instead of the default');
    expect(message).not.toContain('fail');
  });

  it('a new source of values for the column in the same transaction is fine: identity, or another default', async () => {
    expect(await findings(rule, sql('ALTER TABLE orders ALTER COLUMN id DROP DEFAULT, ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;'))).toEqual([]);
    expect(await findings(rule, sql('ALTER TABLE orders ALTER COLUMN id DROP DEFAULT;', 'ALTER TABLE orders ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;'))).toEqual([]);
    // … but a default set *before* the drop does not survive it.
    expect(await findings(rule, sql("ALTER TABLE orders ALTER COLUMN s SET DEFAULT 'x', ALTER COLUMN s DROP DEFAULT;"))).toEqual(['1:52 in expand']);
  });

  it('in abort: flagged, unless expand set that default (abort undoes it)', async () => {
    expect(await findings(rule, sql('-- pgtandem:abort', 'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;'))).toEqual(['2:20 in abort']);
    const undo = sql("ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';", '-- pgtandem:abort', 'ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;');
    expect(await findings(rule, undo)).toEqual([]);
  });
});

describe('changing-default', () => {
  const rule = 'changing-default';

  it('flags each SET DEFAULT on an existing column in expand and migrate', async () => {
    const text = sql(
      "ALTER TABLE app.\"Orders\" ALTER COLUMN \"currency\" SET DEFAULT 'EUR', ALTER COLUMN channel SET DEFAULT 'web';",
      '-- pgtandem:migrate',
      "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';",
      '-- pgtandem:contract',
      "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'newer';",
    );
    expect(await findings(rule, text)).toEqual(['1:26 in expand', '1:69 in expand', '3:20 in migrate']);
    expect((await messages(rule, text))[0]).toContain('currency on app."Orders"');
  });

  it('a column added in the migration (earlier, or earlier in the same statement) is exempt', async () => {
    expect(await findings(rule, sql('ALTER TABLE orders ADD COLUMN channel text;', "ALTER TABLE orders ALTER COLUMN channel SET DEFAULT 'web';"))).toEqual([]);
    expect(await findings(rule, sql("ALTER TABLE orders ADD COLUMN channel text, ALTER COLUMN channel SET DEFAULT 'web';"))).toEqual([]);
  });

  it('SET DEFAULT NULL is ban-drop-default’s', async () => {
    const text = sql('ALTER TABLE orders ALTER COLUMN status SET DEFAULT NULL;');
    expect(await findings(rule, text)).toEqual([]);
    expect(await findings('ban-drop-default', text)).toEqual(['1:20 in expand']);
  });

  it('the enum swap of Prisma and Drizzle (DROP DEFAULT, TYPE, SET DEFAULT) puts the default back: no finding from the default rules', async () => {
    const text = sql(
      'BEGIN;',
      'ALTER TABLE "Run" ALTER COLUMN "status" DROP DEFAULT;',
      'ALTER TABLE "Run" ALTER COLUMN "status" TYPE "Status_new" USING ("status"::text::"Status_new");',
      'ALTER TABLE "Run" ALTER COLUMN "status" SET DEFAULT \'PENDING\';',
      'COMMIT;',
    );
    expect(await findings(rule, text, { layout: 'plain' })).toEqual([]);
    expect(await findings('ban-drop-default', text, { layout: 'plain' })).toEqual([]);
  });

  it('DROP DEFAULT then SET DEFAULT without a type change is a change of default', async () => {
    const text = sql('ALTER TABLE orders ALTER COLUMN status DROP DEFAULT;', "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';");
    expect(await findings(rule, text)).toEqual(['2:20 in expand']);
    expect(await findings('ban-drop-default', text)).toEqual([]);
  });
});

describe('renaming-enum-value', () => {
  const rule = 'renaming-enum-value';

  it('is an error before contract, fine in contract', async () => {
    const text = sql(
      "ALTER TYPE billing.\"InvoiceState\" RENAME VALUE 'Void' TO 'Voided';",
      '-- pgtandem:contract',
      "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';",
    );
    expect(await findings(rule, text)).toEqual(['1:35 in expand']);
    expect((await run(text)).find((f) => f.rule === rule)?.severity).toBe('error');
  });

  it('an enum created in the migration is exempt; abort renaming back what expand renamed is the inverse', async () => {
    expect(await findings(rule, sql("CREATE TYPE speed AS ENUM ('slow', 'fast');", "ALTER TYPE speed RENAME VALUE 'fast' TO 'express';"))).toEqual([]);
    const text = sql(
      "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';",
      '-- pgtandem:abort',
      "ALTER TYPE order_status RENAME VALUE 'cancelled' TO 'canceled';",
      "ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled';",
    );
    expect(await findings(rule, text)).toEqual(['1:25 in expand', '4:25 in abort']);
  });
});

describe('adding-enum-value', () => {
  const rule = 'adding-enum-value';

  it('warns in expand and migrate; in the runner’s phase transaction it mentions the value is unusable until commit', async () => {
    const text = sql("ALTER TYPE order_status ADD VALUE 'refunded';", '-- pgtandem:contract', "ALTER TYPE order_status ADD VALUE 'disputed';");
    expect(await findings(rule, text)).toEqual(['1:25 in expand']);
    const [message] = await messages(rule, text);
    expect(message).toContain("'refunded' to enum order_status in expand");
    expect(message).toContain('cannot be used until it commits');
  });

  it('before PostgreSQL 12: the runner runs it alone, but inside BEGIN or a wrapped foreign file PostgreSQL rejects it', async () => {
    const add = "ALTER TYPE order_status ADD VALUE 'refunded';";
    const pg11 = { pgVersion: 11 };
    expect(await findings(rule, sql('-- pgtandem:contract', add), { config: pg11 })).toEqual([]);
    expect(await findings(rule, sql('-- pgtandem:contract', 'BEGIN;', add, 'COMMIT;'), { config: pg11 })).toEqual(['3:25 in contract']);
    const [foreign] = await messages(rule, sql(add), { layout: 'plain', config: pg11 });
    expect(foreign).toContain('PostgreSQL 11 rejects ALTER TYPE … ADD VALUE inside a transaction block');
    const [alone] = await messages(rule, sql(add), { config: pg11 });
    expect(alone).not.toContain('rejects');
  });

  it('PostgreSQL 12+: using the new label in the same transaction is flagged at the literal', async () => {
    const text = sql(
      '-- pgtandem:contract',
      "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';",
      "UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;",
    );
    expect(await findings(rule, text)).toEqual(['3:28 in contract']);
    expect((await messages(rule, text))[0]).toContain('earlier in this transaction (line 2)');
    // In the next phase the ADD VALUE has committed.
    const later = sql("ALTER TYPE order_status ADD VALUE 'refunded';", '-- pgtandem:migrate', "UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;");
    expect(await findings(rule, later)).toEqual(['1:25 in expand']);
  });

  it('an enum created in the migration is exempt', async () => {
    const text = sql("CREATE TYPE speed AS ENUM ('slow');", "ALTER TYPE speed ADD VALUE 'fast';", "CREATE TABLE parcels (id bigint, speed speed DEFAULT 'fast');");
    expect(await findings(rule, text)).toEqual([]);
  });
});

describe('ban-drop-schema-object', () => {
  const rule = 'ban-drop-schema-object';

  it('flags each kind before contract, at DROP <kind>', async () => {
    const text = sql(
      'DROP VIEW active_users, reporting."Daily";',
      'DROP MATERIALIZED VIEW IF EXISTS stats;',
      'DROP FUNCTION order_total(bigint);',
      'DROP PROCEDURE archive();',
      'DROP TYPE mood;',
      'DROP DOMAIN email;',
      'DROP SCHEMA legacy CASCADE;',
      '-- pgtandem:migrate',
      'DROP SEQUENCE invoice_seq;',
      '-- pgtandem:contract',
      'DROP VIEW old_users;',
    );
    expect(await findings(rule, text)).toEqual([
      '1:1 in expand',
      '2:1 in expand',
      '3:1 in expand',
      '4:1 in expand',
      '5:1 in expand',
      '6:1 in expand',
      '7:1 in expand',
      '9:1 in migrate',
    ]);
    const found = await messages(rule, text);
    expect(found[0]).toContain('view active_users, reporting."Daily"');
    expect(found[6]).toContain('CASCADE also drops');
  });

  it('objects created in the migration are exempt, including abort dropping what expand created', async () => {
    const text = sql(
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
      'CREATE VIEW v AS SELECT 1 AS one;',
      'DROP VIEW v;',
      '-- pgtandem:abort',
      'DROP FUNCTION IF EXISTS f();',
      'DROP FUNCTION IF EXISTS g();',
    );
    expect(await findings(rule, text)).toEqual(['6:1 in abort']);
  });

  it('DROP and CREATE of a view, function or type in one transaction replaces it: v1 never sees a gap', async () => {
    const view = sql('DROP VIEW active_users;', 'CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;');
    expect(await findings(rule, view)).toEqual([]);
    expect(await findings(rule, view, { layout: 'plain' })).toEqual([]);
    expect(await findings(rule, sql('DROP FUNCTION total(bigint);', 'CREATE OR REPLACE FUNCTION total(bigint) RETURNS numeric LANGUAGE sql AS $$ SELECT 1 $$;'))).toEqual([]);
  });

  it('… but not across a COMMIT, not in autocommit, not with CASCADE, and never for a sequence or schema', async () => {
    const create = 'CREATE VIEW active_users AS SELECT id FROM users;';
    expect(await findings(rule, sql('BEGIN;', 'DROP VIEW active_users;', 'COMMIT;', create))).toEqual(['2:1 in expand']);
    expect(await findings(rule, sql('DROP VIEW active_users;', create), { layout: 'plain', config: { assumeInTransaction: false } })).toEqual(['1:1 in expand']);
    expect(await findings(rule, sql('DROP VIEW active_users CASCADE;', create))).toEqual(['1:1 in expand']);
    expect(await findings(rule, sql('DROP SEQUENCE ids;', 'CREATE SEQUENCE ids;'))).toEqual(['1:1 in expand']);
  });

  it('the enum swap (rename aside, rename the new one in, drop the old) gives no finding from the schema-object rules', async () => {
    const text = sql(
      'BEGIN;',
      'CREATE TYPE "Status_new" AS ENUM (\'PENDING\', \'DONE\');',
      'ALTER TYPE "Status" RENAME TO "Status_old";',
      'ALTER TYPE "Status_new" RENAME TO "Status";',
      'DROP TYPE "Status_old";',
      'COMMIT;',
    );
    expect(await findings(rule, text, { layout: 'plain' })).toEqual([]);
    expect(await findings('renaming-schema-object', text, { layout: 'plain' })).toEqual([]);
  });
});

describe('renaming-schema-object', () => {
  const rule = 'renaming-schema-object';

  it('flags renames of functions, schemas, sequences, types and constraints in every phase', async () => {
    const text = sql(
      'ALTER FUNCTION order_total(bigint) RENAME TO order_total_cents;',
      'ALTER SCHEMA legacy RENAME TO archive;',
      'ALTER SEQUENCE invoice_seq RENAME TO invoice_number_seq;',
      'ALTER TYPE mood RENAME TO feeling;',
      '-- pgtandem:contract',
      'ALTER TABLE "Orders" RENAME CONSTRAINT "Orders_user_fk" TO orders_user_id_fkey;',
    );
    expect(await findings(rule, text)).toEqual(['1:36 in expand', '2:21 in expand', '3:28 in expand', '4:17 in expand', '6:22 in contract']);
    expect((await messages(rule, text))[4]).toContain('"Orders_user_fk" on "Orders"');
  });

  it('moving an object to another schema is a rename too, tables included', async () => {
    const text = sql('ALTER TABLE public."Invoice" SET SCHEMA billing;', 'ALTER FUNCTION f() SET SCHEMA util;');
    expect(await findings(rule, text)).toEqual(['1:30 in expand', '2:20 in expand']);
    expect((await messages(rule, text))[0]).toContain('table public."Invoice" to schema billing');
  });

  it('leaves tables, views and columns to renaming-table / renaming-column, and ignores indexes, triggers and policies', async () => {
    const text = sql(
      'ALTER TABLE t RENAME TO u;',
      'ALTER VIEW v RENAME TO w;',
      'ALTER TABLE t RENAME COLUMN a TO b;',
      'ALTER INDEX i RENAME TO j;',
      'ALTER TRIGGER tr ON t RENAME TO tr2;',
      'ALTER POLICY p ON t RENAME TO q;',
    );
    expect(await findings(rule, text)).toEqual([]);
  });

  it('objects created here, and constraints renamed after their table, are exempt', async () => {
    const text = sql(
      "CREATE TYPE speed AS ENUM ('slow');",
      'ALTER TYPE speed RENAME TO shipping_speed;',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders RENAME CONSTRAINT orders_total_check TO orders_total_not_negative;',
      'ALTER TABLE memberships RENAME TO project_memberships;',
      'ALTER TABLE project_memberships RENAME CONSTRAINT memberships_pkey TO project_memberships_pkey;',
    );
    expect(await findings(rule, text)).toEqual([]);
  });
});

describe('enable-rls-without-policy', () => {
  const rule = 'enable-rls-without-policy';
  const policy = "CREATE POLICY owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);";

  it('flags ENABLE and FORCE, each at its clause, in every phase', async () => {
    const text = sql('-- pgtandem:contract', 'ALTER TABLE "Tenant"."Doc" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;');
    expect(await findings(rule, text)).toEqual(['2:28 in contract', '2:55 in contract']);
    const [enable, force] = await messages(rule, text);
    expect(enable).toContain('Enabling row level security on "Tenant"."Doc"');
    expect(enable).toContain('ACCESS EXCLUSIVE');
    expect(force).toContain('table owner');
  });

  it('a policy for the table before the ENABLE, or after it in the same transaction, is fine', async () => {
    expect(await findings(rule, sql(policy, 'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;'))).toEqual([]);
    expect(await findings(rule, sql('ALTER TABLE documents ENABLE ROW LEVEL SECURITY;', policy))).toEqual([]);
  });

  it('a policy after a COMMIT, in another phase or on another table does not count', async () => {
    const enable = 'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;';
    expect(await findings(rule, sql('BEGIN;', enable, 'COMMIT;', policy))).toEqual(['2:23 in expand']);
    expect(await findings(rule, sql(enable, '-- pgtandem:migrate', policy))).toEqual(['1:23 in expand']);
    expect(await findings(rule, sql("CREATE POLICY p ON notes USING (true);", enable))).toEqual(['2:23 in expand']);
  });

  it('a table created in the migration is exempt', async () => {
    expect(await findings(rule, sql('CREATE TABLE notes (id bigint);', 'ALTER TABLE notes ENABLE ROW LEVEL SECURITY;'))).toEqual([]);
  });
});

describe('contract-before-expand', () => {
  const rule = 'contract-before-expand';

  it('contract dropping a column, table, index or type that expand created: the phases are swapped', async () => {
    const text = sql(
      'ALTER TABLE users ADD COLUMN email_lower text;',
      'CREATE TABLE carts (id bigint);',
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);',
      "CREATE TYPE speed AS ENUM ('slow');",
      '-- pgtandem:contract',
      'ALTER TABLE users DROP COLUMN email_lower;',
      'DROP TABLE carts;',
      'DROP INDEX CONCURRENTLY orders_placed_at_idx;',
      'DROP TYPE speed;',
      'ALTER TABLE users DROP COLUMN email;',
    );
    expect(await findings(rule, text)).toEqual(['6:19 in contract', '7:1 in contract', '8:1 in contract', '9:1 in contract']);
    expect((await messages(rule, text))[0]).toContain('column email_lower on users');
  });

  it('transitional objects — sync triggers, their functions, compatibility views, temporary checks — are dropped in contract by design', async () => {
    const text = sql(
      'CREATE FUNCTION sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
      'CREATE TRIGGER sync BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION sync();',
      'CREATE VIEW customers AS SELECT * FROM clients;',
      'ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;',
      '-- pgtandem:contract',
      'DROP TRIGGER sync ON users;',
      'DROP FUNCTION sync();',
      'DROP VIEW customers;',
      'ALTER TABLE users DROP CONSTRAINT users_name_not_null;',
    );
    expect(await findings(rule, text)).toEqual([]);
  });

  it('abort dropping an index, constraint, trigger or policy that the migration did not create', async () => {
    const text = sql(
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);',
      '-- pgtandem:abort',
      'DROP INDEX CONCURRENTLY orders_placed_at_idx;',
      'DROP INDEX CONCURRENTLY orders_status_idx;',
      'ALTER TABLE orders DROP CONSTRAINT orders_total_check;',
      'DROP TRIGGER IF EXISTS audit ON app."Orders";',
      'DROP POLICY tenant_isolation ON orders;',
    );
    expect(await findings(rule, text)).toEqual(['4:1 in abort', '5:20 in abort', '6:1 in abort', '7:1 in abort']);
    expect((await messages(rule, text))[2]).toContain('trigger audit on app."Orders"');
  });

  it('abort may drop what any section created, and constraints expand added without a name', async () => {
    const text = sql(
      'ALTER TABLE orders ADD CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);',
      '-- pgtandem:contract',
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);',
      '-- pgtandem:abort',
      'DROP INDEX CONCURRENTLY IF EXISTS users_email_key;',
      'ALTER TABLE orders DROP CONSTRAINT orders_total_check;',
      'ALTER TABLE orders DROP CONSTRAINT orders_coupon_id_fkey;',
    );
    expect(await findings(rule, text)).toEqual([]);
  });

  it('applies to native files only', async () => {
    expect(await findings(rule, sql('-- pgtandem:abort', 'DROP INDEX orders_status_idx;'), { layout: 'plain' })).toEqual([]);
  });
});

describe('the example migrations', () => {
  it('raise nothing from the compatibility rules of this file', async () => {
    const ids = new Set([
      'backfill-outside-migrate-phase',
      'ban-drop-not-null',
      'ban-drop-default',
      'changing-default',
      'renaming-enum-value',
      'adding-enum-value',
      'ban-drop-schema-object',
      'renaming-schema-object',
      'enable-rls-without-policy',
      'contract-before-expand',
    ]);
    const result = await lint({ paths: ['migrations-example'], configFile: false });
    expect(result.findings.filter((f) => ids.has(f.rule)).map((f) => `${f.rule} ${f.file}:${f.line}`)).toEqual([]);
  });
});
