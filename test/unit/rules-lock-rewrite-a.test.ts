import { describe, expect, it } from 'vitest';
import type { PgtandemConfig } from '../../src/lint/config.js';
import type { Finding } from '../../src/lint/finding.js';
import { expressionVolatility, volatilityOf } from '../../src/sql/function-volatility.js';
import { lint } from '../../src/lint/lint.js';
import { loadParser, parseSql } from '../../src/sql/pg-parser.js';
import type { Layout } from '../../src/migrations/migration.js';

// Rules that lock or rewrite a table through ALTER TABLE: volatile defaults, primary keys and
// unique constraints built in place, SET NOT NULL, column type changes, exclusion constraints.
const GROUP = new Set([
  'adding-field-with-default',
  'adding-serial-primary-key-field',
  'disallowed-unique-constraint',
  'adding-not-nullable-field',
  'changing-column-type',
  'ban-exclusion-constraint',
]);

interface Source {
  layout?: Layout;
  config?: Partial<PgtandemConfig>;
}

async function lintGroup(text: string, { layout = 'native', config }: Source = {}): Promise<Finding[]> {
  const path = layout === 'native' ? 'migrations/0001_change.sql' : 'migrations/0001_change.up.sql';
  const result = await lint({ sources: [{ path, text, layout }], configFile: false, ...(config ? { config } : {}) });
  return result.findings.filter((f) => GROUP.has(f.rule));
}

/** This group's findings, each as `<rule> at <line>:<column> in <phase>`. */
async function findings(text: string, source: Source = {}): Promise<string[]> {
  return (await lintGroup(text, source)).map((f) => `${f.rule} at ${f.line}:${f.column} in ${f.phase}`);
}

async function messages(text: string, source: Source = {}): Promise<string[]> {
  return (await lintGroup(text, source)).map((f) => f.message);
}

const lines = (...sql: string[]): string => `${sql.join('\n')}\n`;

describe('function volatility', () => {
  it('knows PostgreSQL built-ins, unqualified or in pg_catalog, and uuid-ossp/pgcrypto in any schema', () => {
    expect(volatilityOf({ schema: undefined, name: 'now' })).toBe('stable');
    expect(volatilityOf({ schema: 'pg_catalog', name: 'clock_timestamp' })).toBe('volatile');
    expect(volatilityOf({ schema: undefined, name: 'lower' })).toBe('immutable');
    expect(volatilityOf({ schema: 'extensions', name: 'uuid_generate_v4' })).toBe('volatile');
    expect(volatilityOf({ schema: undefined, name: 'uuid_generate_v5' })).toBe('immutable');
  });

  it('does not take a user schema’s function for the built-in of the same name', () => {
    expect(volatilityOf({ schema: 'app', name: 'now' })).toBeUndefined();
    expect(volatilityOf({ schema: undefined, name: 'next_invoice_number' })).toBeUndefined();
  });

  async function volatilityOfDefault(expression: string) {
    await loadParser();
    const parsed = parseSql(`SELECT ${expression}`);
    if (!parsed.ok) throw new Error(parsed.message);
    return expressionVolatility(parsed.statements[0]!.stmt);
  }

  it('reads an expression as its most volatile call, nested calls included', async () => {
    expect(await volatilityOfDefault("md5(random()::text || now()::text)")).toEqual({ volatility: 'volatile', source: 'random', assumed: false });
    expect(await volatilityOfDefault("now() + interval '1 day'")).toEqual({ volatility: 'stable', source: 'now', assumed: false });
    expect(await volatilityOfDefault('CURRENT_TIMESTAMP(3)')).toEqual({ volatility: 'stable', source: 'current_timestamp', assumed: false });
    expect(await volatilityOfDefault('coalesce(random(), clock_timestamp())')).toMatchObject({ source: 'random' });
    expect(await volatilityOfDefault("extract(epoch from now() at time zone 'utc')")).toMatchObject({ volatility: 'stable' });
  });

  it('treats literals and casts of literals as constants', async () => {
    for (const constant of ["'x'::text", "'{}'::jsonb", '0', '-1', 'false', 'ARRAY[]::text[]', "'now'::timestamptz", "'{a,b}'::text[]"]) {
      expect(await volatilityOfDefault(constant)).toEqual({ volatility: 'immutable', assumed: false });
    }
  });

  it('assumes an unknown function is volatile, and says so; a known volatile call wins over it', async () => {
    expect(await volatilityOfDefault('app.next_code()')).toEqual({ volatility: 'volatile', source: 'app.next_code', assumed: true });
    expect(await volatilityOfDefault('coalesce(app.next_code(), gen_random_uuid())')).toEqual({
      volatility: 'volatile',
      source: 'gen_random_uuid',
      assumed: false,
    });
  });
});

describe('adding-field-with-default', () => {
  it('flags volatile defaults at their ADD COLUMN clause', async () => {
    for (const expression of ['gen_random_uuid()', 'random()', 'clock_timestamp()', "nextval('orders_seq'::regclass)", 'uuid_generate_v4()', 'timeofday()']) {
      expect(await findings(`ALTER TABLE orders ADD COLUMN c text DEFAULT ${expression};\n`)).toEqual(['adding-field-with-default at 1:20 in expand']);
    }
  });

  it('accepts stable defaults and constants: metadata-only since PostgreSQL 11', async () => {
    for (const expression of [
      'now()',
      'current_timestamp',
      'CURRENT_DATE',
      "timezone('utc', now())",
      "now() AT TIME ZONE 'utc'",
      "now() + interval '30 days'",
      "'{}'::jsonb",
      'ARRAY[]::text[]',
      "'now'::timestamptz",
      'false',
      '-1',
    ]) {
      expect(await findings(`ALTER TABLE orders ADD COLUMN c text DEFAULT ${expression};\n`)).toEqual([]);
    }
  });

  it('names the volatile call in the message, nested or not', async () => {
    expect(await messages('ALTER TABLE orders ADD COLUMN token text DEFAULT md5(random()::text);\n')).toEqual([
      'Adding column token to orders with a DEFAULT that calls random() (volatile: computed for each row) fills every existing row, which rewrites the whole table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes.',
    ]);
  });

  it('says an unknown function is assumed volatile, and how to silence it when it is not', async () => {
    const result = await lintGroup('ALTER TABLE orders ADD COLUMN code text DEFAULT app.next_code();\n');
    expect(result.map((f) => f.rule)).toEqual(['adding-field-with-default']);
    expect(result[0]!.message).toContain('app.next_code(), which is not a PostgreSQL built-in: its volatility is unknown here, so it is assumed volatile');
    expect(result[0]!.help).toContain('-- pgtandem-ignore adding-field-with-default');
  });

  it('flags any non-NULL default before PostgreSQL 11, not a NULL one', async () => {
    const sql = lines("ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';", 'ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;', 'ALTER TABLE orders ADD COLUMN memo text DEFAULT NULL::text;');
    expect(await findings(sql, { config: { pgVersion: 10 } })).toEqual(['adding-field-with-default at 1:20 in expand']);
    expect((await messages(sql, { config: { pgVersion: 10 } }))[0]).toContain('on PostgreSQL 10');
    expect(await findings(sql, { config: { pgVersion: 11 } })).toEqual([]);
  });

  it('flags STORED generated columns, not VIRTUAL ones (PostgreSQL 18, the default there)', async () => {
    const sql = lines(
      'ALTER TABLE orders ADD COLUMN a bigint GENERATED ALWAYS AS (total * 100) STORED;',
      'ALTER TABLE orders ADD COLUMN b bigint GENERATED ALWAYS AS (total * 100) VIRTUAL;',
      'ALTER TABLE orders ADD COLUMN c bigint GENERATED ALWAYS AS (total * 100);',
    );
    expect(await findings(sql)).toEqual(['adding-field-with-default at 1:20 in expand']);
  });

  it('flags serial and identity columns, with the sequence recipe as help', async () => {
    const sql = lines(
      'ALTER TABLE orders ADD COLUMN a bigserial;',
      'ALTER TABLE orders ADD COLUMN b smallserial;',
      'ALTER TABLE orders ADD COLUMN c bigint GENERATED BY DEFAULT AS IDENTITY;',
    );
    const result = await lintGroup(sql);
    expect(result.map((f) => `${f.line}:${f.column}`)).toEqual(['1:20', '2:20', '3:20']);
    expect(result[2]!.message).toContain('as an identity column fills every existing row from a sequence');
    expect(result[0]!.help).toContain('SET DEFAULT nextval');
  });

  it('reports each offending subcommand of a multi-command ALTER TABLE at its own clause', async () => {
    const sql = lines('ALTER TABLE orders', '  ADD COLUMN a int DEFAULT 0,', '  ADD COLUMN b uuid DEFAULT gen_random_uuid(),', '  ADD COLUMN c bigserial;');
    expect(await findings(sql)).toEqual(['adding-field-with-default at 3:3 in expand', 'adding-field-with-default at 4:3 in expand']);
  });

  it('names mixed-case and schema-qualified tables and columns as PostgreSQL would need them quoted', async () => {
    expect(await messages('ALTER TABLE "Billing"."Invoice" ADD COLUMN "publicId" uuid DEFAULT gen_random_uuid();\n')).toEqual([
      expect.stringMatching(/^Adding column "publicId" to "Billing"\."Invoice" with a DEFAULT that calls gen_random_uuid\(\)/),
    ]);
  });

  it('exempts a table created earlier in the phase, not one created in expand when contract alters it', async () => {
    const sql = lines(
      'CREATE TABLE "Billing"."Invoice" (id bigint);',
      'ALTER TABLE "Billing"."Invoice" ADD COLUMN a uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE billing.invoice ADD COLUMN a uuid DEFAULT gen_random_uuid();',
      '-- pgtandem:contract',
      'ALTER TABLE "Billing"."Invoice" ADD COLUMN b uuid DEFAULT gen_random_uuid();',
    );
    expect(await findings(sql)).toEqual(['adding-field-with-default at 3:29 in expand', 'adding-field-with-default at 5:33 in contract']);
  });
});

describe('adding-serial-primary-key-field', () => {
  it('flags ADD PRIMARY KEY and ADD COLUMN … PRIMARY KEY, not ADD … PRIMARY KEY USING INDEX', async () => {
    const sql = lines(
      'ALTER TABLE orders ADD PRIMARY KEY (id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;',
      'ALTER TABLE events ADD COLUMN id bigint PRIMARY KEY;',
    );
    expect(await findings(sql)).toEqual(['adding-serial-primary-key-field at 1:20 in expand', 'adding-serial-primary-key-field at 3:20 in expand']);
  });

  it('names the key columns and the lock', async () => {
    expect(await messages('ALTER TABLE app."OrderItems" ADD CONSTRAINT "OrderItems_pkey" PRIMARY KEY ("orderId", position);\n')).toEqual([
      'Adding primary key "OrderItems_pkey" ("orderId", position) to app."OrderItems" builds its index under an ACCESS EXCLUSIVE lock — reads and writes wait for the whole build, and for a scan if a key column is nullable; build a unique index CONCURRENTLY and add the key USING INDEX.',
    ]);
  });

  it('a bigserial primary key is both a rewrite and an index build: two findings at the same clause', async () => {
    expect(await findings('ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;\n')).toEqual([
      'adding-field-with-default at 1:20 in expand',
      'adding-serial-primary-key-field at 1:20 in expand',
    ]);
  });

  it('exempts a new table, in any phase it was created in', async () => {
    const sql = lines('CREATE TABLE invoices (id bigint NOT NULL);', 'ALTER TABLE invoices ADD PRIMARY KEY (id);', '-- pgtandem:abort', 'ALTER TABLE invoices ADD PRIMARY KEY (id);');
    expect(await findings(sql)).toEqual([]);
  });
});

describe('disallowed-unique-constraint', () => {
  it('flags ADD UNIQUE, ADD CONSTRAINT … UNIQUE and ADD COLUMN … UNIQUE, not UNIQUE USING INDEX', async () => {
    const sql = lines(
      'ALTER TABLE users ADD UNIQUE (email);',
      'ALTER TABLE users ADD CONSTRAINT users_handle_key UNIQUE (tenant_id, handle);',
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;',
      'ALTER TABLE users ADD COLUMN api_key text UNIQUE;',
    );
    expect(await findings(sql)).toEqual([
      'disallowed-unique-constraint at 1:19 in expand',
      'disallowed-unique-constraint at 2:19 in expand',
      'disallowed-unique-constraint at 4:19 in expand',
    ]);
  });

  it('reports the UNIQUE clause of a multi-command ALTER TABLE, with the table and columns named', async () => {
    const sql = lines('ALTER TABLE "Auth"."Users"', '  ADD COLUMN "apiKey" text,', '  ADD CONSTRAINT "Users_apiKey_key" UNIQUE ("apiKey");');
    const result = await lintGroup(sql);
    expect(result.map((f) => `${f.rule} at ${f.line}:${f.column}`)).toEqual(['disallowed-unique-constraint at 3:3']);
    expect(result[0]!.message).toContain('UNIQUE constraint "Users_apiKey_key" ("apiKey") to "Auth"."Users"');
  });

  it('exempts a table created earlier in the migration (and in expand, when aborting)', async () => {
    const sql = lines('CREATE TABLE api_keys (token text);', 'ALTER TABLE api_keys ADD UNIQUE (token);', '-- pgtandem:abort', 'ALTER TABLE api_keys ADD COLUMN b int UNIQUE;');
    expect(await findings(sql)).toEqual([]);
  });
});

describe('adding-not-nullable-field', () => {
  it('in expand, says the scan blocks traffic and that v1 breaks on NULL writes', async () => {
    expect(await messages('ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n')).toEqual([
      'Setting column email of users NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends; ' +
        'and the old version (v1), still running, fails on every INSERT or UPDATE that leaves email NULL. ' +
        'Validate a CHECK (email IS NOT NULL) earlier in the migration — added NOT VALID, validated in a later transaction — and SET NOT NULL skips the scan.',
    ]);
  });

  it('in contract, only the scan: v1 is gone', async () => {
    const [message] = await messages('-- pgtandem:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n');
    expect(message).toContain('scans the whole table');
    expect(message).not.toContain('v1');
  });

  it('accepts SET NOT NULL once a CHECK (col IS NOT NULL) was validated in an earlier phase', async () => {
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      '-- pgtandem:migrate',
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
      '-- pgtandem:contract',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      'ALTER TABLE users DROP CONSTRAINT users_email_nn;',
    );
    expect(await findings(sql)).toEqual([]);
  });

  it('accepts it after a VALIDATE earlier in the same transaction: the scan ran under SHARE UPDATE EXCLUSIVE', async () => {
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;',
      '-- pgtandem:contract',
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual([]);
  });

  it('accepts a check whose condition ANDs col IS NOT NULL with more, and an unnamed check by its generated name', async () => {
    const sql = lines(
      "ALTER TABLE users ADD CHECK (email IS NOT NULL AND email <> '') NOT VALID;",
      '-- pgtandem:contract',
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_check;',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual([]);
  });

  it('flags SET NOT NULL when the check is not validated, on another column, dropped, or NOT ENFORCED', async () => {
    const notValidated = lines('ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;', '-- pgtandem:contract', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    const otherColumn = lines('ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL) NOT VALID;', '-- pgtandem:contract', 'ALTER TABLE users VALIDATE CONSTRAINT c;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    const otherTable = lines('ALTER TABLE accounts ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;', '-- pgtandem:contract', 'ALTER TABLE accounts VALIDATE CONSTRAINT c;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    const dropped = lines('ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;', '-- pgtandem:contract', 'ALTER TABLE users VALIDATE CONSTRAINT c;', 'ALTER TABLE users DROP CONSTRAINT c;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    const notEnforced = lines('-- pgtandem:contract', 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT ENFORCED;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    expect(await findings(notValidated)).toEqual(['adding-not-nullable-field at 3:19 in contract']);
    expect(await findings(otherColumn)).toEqual(['adding-not-nullable-field at 4:19 in contract']);
    expect(await findings(otherTable)).toEqual(['adding-not-nullable-field at 4:19 in contract']);
    expect(await findings(dropped)).toEqual(['adding-not-nullable-field at 5:19 in contract']);
    expect(await findings(notEnforced)).toEqual(['adding-not-nullable-field at 3:19 in contract']);
  });

  it('does not count a VALIDATE in migrate when aborting: migrate may not have run', async () => {
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;',
      '-- pgtandem:migrate',
      'ALTER TABLE users VALIDATE CONSTRAINT c;',
      '-- pgtandem:abort',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual(['adding-not-nullable-field at 5:19 in abort']);
  });

  it('a VALIDATE in the same ALTER TABLE does not help: the ACCESS EXCLUSIVE lock is taken first', async () => {
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;',
      '-- pgtandem:contract',
      'ALTER TABLE users VALIDATE CONSTRAINT c, ALTER COLUMN email SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual(['adding-not-nullable-field at 3:42 in contract']);
  });

  it('before PostgreSQL 12 the validated check does not help, and the help says what to do instead', async () => {
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;',
      '-- pgtandem:contract',
      'ALTER TABLE users VALIDATE CONSTRAINT c;',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    const [finding] = await lintGroup(sql, { config: { pgVersion: 11 } });
    expect(finding?.message).toContain('On PostgreSQL 11 the scan cannot be avoided.');
    expect(finding?.help).toContain('Before PostgreSQL 12, SET NOT NULL always scans the table');
  });

  it('PostgreSQL 18: ADD CONSTRAINT … NOT NULL col scans; NOT VALID then VALIDATE does not, and proves SET NOT NULL', async () => {
    expect(await findings('ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email;\n')).toEqual(['adding-not-nullable-field at 1:19 in expand']);
    const sql = lines(
      'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID;',
      '-- pgtandem:contract',
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual([]);
  });

  it('a column added by this migration to an existing table is still scanned', async () => {
    const sql = lines('ALTER TABLE users ADD COLUMN tenant_id bigint;', '-- pgtandem:contract', 'ALTER TABLE users ALTER COLUMN tenant_id SET NOT NULL;');
    expect(await findings(sql)).toEqual(['adding-not-nullable-field at 3:19 in contract']);
  });

  it('quoted, schema-qualified names, each subcommand at its own clause; new tables exempt', async () => {
    const sql = lines(
      'CREATE TABLE app.drafts (id bigint, body text);',
      'ALTER TABLE app.drafts ALTER COLUMN body SET NOT NULL;',
      'ALTER TABLE app."Users" ALTER COLUMN "Email" SET NOT NULL, ALTER COLUMN "Name" SET NOT NULL;',
    );
    const result = await lintGroup(sql);
    expect(result.map((f) => `${f.line}:${f.column}`)).toEqual(['3:25', '3:60']);
    expect(result[1]!.message).toMatch(/^Setting column "Name" of app\."Users" NOT NULL/);
  });

  it('a plain file runs in one transaction: a VALIDATE before SET NOT NULL is seen', async () => {
    const sql = lines('ALTER TABLE users VALIDATE CONSTRAINT users_email_check;', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    // The constraint's definition is not in this file: nothing proves it is a NOT NULL check.
    expect(await findings(sql, { layout: 'golang-migrate' })).toEqual(['adding-not-nullable-field at 2:19 in expand']);
  });
});

describe('changing-column-type', () => {
  it('flags a type change on an existing column, saying the rewrite is assumed and which changes avoid it', async () => {
    expect(await messages('ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n')).toEqual([
      'Changing the type of column quantity of orders to bigint rewrites the table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes — ' +
        'assumed, because the old type is unknown here: only varchar(n) → varchar(m ≥ n) or text, numeric(p,s) → numeric(q ≥ p,s), cidr → inet, ' +
        'and timestamp → timestamptz with TimeZone UTC (PostgreSQL 12+) skip the rewrite. The running version (v1) also reads and writes the old type.',
    ]);
  });

  it('names the running versions by phase', async () => {
    const sql = lines('-- pgtandem:migrate', 'ALTER TABLE orders ALTER COLUMN note TYPE text;', '-- pgtandem:contract', 'ALTER TABLE orders ALTER COLUMN memo TYPE varchar(500);');
    const [migrate, contract] = await messages(sql);
    expect(migrate).toContain('Both running versions (v1 and v2) also read and write the old type.');
    expect(contract).toContain('to varchar(500) rewrites');
    expect(contract).toContain('The running version (v2) also reads and writes the old type.');
  });

  it('reports each TYPE clause of a multi-command ALTER TABLE, with quoted names', async () => {
    const sql = lines('ALTER TABLE "Shop"."Orders"', '  ALTER COLUMN "Total" TYPE numeric(12,2),', '  ALTER COLUMN note SET DEFAULT \'\',', '  ALTER COLUMN "Qty" SET DATA TYPE bigint USING "Qty"::bigint;');
    const result = await lintGroup(sql);
    expect(result.map((f) => `${f.line}:${f.column}`)).toEqual(['2:3', '4:3']);
    expect(result[0]!.message).toContain('column "Total" of "Shop"."Orders" to numeric(12,2)');
  });

  it('exempts new tables', async () => {
    expect(await findings('CREATE TABLE coupons (code varchar(20));\nALTER TABLE coupons ALTER COLUMN code TYPE int USING code::int;\n')).toEqual([]);
  });

  it('a column added earlier in the migration: no finding when its known old type converts without a rewrite', async () => {
    const safe = [
      ['varchar(20)', 'varchar(40)'],
      ['varchar(20)', 'text'],
      ['character varying', 'text'],
      ['text', 'varchar'],
      ['numeric(10,2)', 'numeric(12,2)'],
      ['numeric(10,2)', 'numeric'],
      ['cidr', 'inet'],
      ['bigint', 'int8'],
    ];
    for (const [from, to] of safe) {
      expect(await findings(`ALTER TABLE orders ADD COLUMN c ${from};\nALTER TABLE orders ALTER COLUMN c TYPE ${to};\n`), `${from} → ${to}`).toEqual([]);
    }
  });

  it('a column added earlier in the migration still rewrites the table when the change needs it', async () => {
    const rewrite = [
      ['integer', 'bigint'],
      ['varchar(20)', 'varchar(10)'],
      ['text', 'varchar(10)'],
      ['numeric(10,2)', 'numeric(12,3)'],
      ['numeric', 'numeric(12,2)'],
      ['timestamp', 'timestamptz'],
      ['varchar(20)[]', 'text[]'],
    ];
    for (const [from, to] of rewrite) {
      expect(await findings(`ALTER TABLE orders ADD COLUMN c ${from};\nALTER TABLE orders ALTER COLUMN c TYPE ${to};\n`), `${from} → ${to}`).toEqual([
        'changing-column-type at 2:20 in expand',
      ]);
    }
    const [message] = await messages('ALTER TABLE orders ADD COLUMN c int;\nALTER TABLE orders ALTER COLUMN c TYPE bigint;\n');
    expect(message).toBe(
      'Changing the type of column c of orders to bigint rewrites the table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes, even though the column was added by this migration.',
    );
  });

  it('timestamp → timestamptz of a new column needs TimeZone UTC and PostgreSQL 12+', async () => {
    const sql = lines("SET TIME ZONE 'UTC';", 'ALTER TABLE orders ADD COLUMN at timestamp;', 'ALTER TABLE orders ALTER COLUMN at TYPE timestamptz;');
    expect(await findings(sql)).toEqual([]);
    expect(await findings(sql, { config: { pgVersion: 11 } })).toEqual(['changing-column-type at 3:20 in expand']);
    expect(await findings(sql.replace("'UTC'", "'Europe/Paris'"))).toEqual(['changing-column-type at 3:20 in expand']);
  });

  it('USING or a new collation is never proven safe, even from a known type', async () => {
    const sql = lines('ALTER TABLE orders ADD COLUMN c varchar(20);', 'ALTER TABLE orders ALTER COLUMN c TYPE text USING c::text;', 'ALTER TABLE orders ALTER COLUMN c TYPE text COLLATE "C";');
    expect(await findings(sql)).toEqual(['changing-column-type at 2:20 in expand', 'changing-column-type at 3:20 in expand']);
  });

  it('follows the type through earlier changes, and sees a column added in expand when aborting', async () => {
    const sql = lines(
      'ALTER TABLE orders ADD COLUMN c varchar(10);',
      'ALTER TABLE orders ALTER COLUMN c TYPE varchar(20);',
      '-- pgtandem:abort',
      'ALTER TABLE orders ALTER COLUMN c TYPE varchar(15);',
    );
    // Expand ran whole before abort: the column is varchar(20) by then, and 20 → 15 shrinks it.
    expect(await findings(sql)).toEqual(['changing-column-type at 4:20 in abort']);
  });

  it('follows a column added here through a RENAME COLUMN', async () => {
    const widen = lines('ALTER TABLE orders ADD COLUMN note_new varchar(10);', 'ALTER TABLE orders RENAME COLUMN note_new TO note;', 'ALTER TABLE orders ALTER COLUMN note TYPE text;');
    expect(await findings(widen)).toEqual([]);
    const toEnum = lines('ALTER TABLE orders ADD COLUMN role_tmp text;', 'ALTER TABLE orders RENAME COLUMN role_tmp TO role;', 'ALTER TABLE orders ALTER COLUMN role TYPE "Role" USING role::"Role";');
    expect(await messages(toEnum)).toEqual([
      'Changing the type of column role of orders to "Role" rewrites the table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes, even though the column was added by this migration.',
    ]);
  });

  it('a column added in expand is an existing column by contract', async () => {
    const sql = lines('ALTER TABLE orders ADD COLUMN c varchar(10);', '-- pgtandem:contract', 'ALTER TABLE orders ALTER COLUMN c TYPE text;');
    expect((await messages(sql))[0]).toContain('assumed, because the old type is unknown here');
  });
});

describe('foreign tables', () => {
  it('are neither rewritten nor scanned: no finding from this group', async () => {
    const sql = lines(
      'ALTER FOREIGN TABLE remote_orders ADD COLUMN id bigserial;',
      'ALTER FOREIGN TABLE remote_orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER FOREIGN TABLE remote_orders ALTER COLUMN total TYPE numeric;',
      'ALTER FOREIGN TABLE remote_orders ALTER COLUMN total SET NOT NULL;',
    );
    expect(await findings(sql)).toEqual([]);
  });
});

describe('ban-exclusion-constraint', () => {
  it('flags ADD … EXCLUDE on an existing table at its clause, named or not', async () => {
    const sql = lines(
      'ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);',
      'ALTER TABLE "Ops"."Shifts" ADD COLUMN note text, ADD EXCLUDE USING gist (during WITH &&);',
    );
    const result = await lintGroup(sql);
    expect(result.map((f) => `${f.rule} at ${f.line}:${f.column}`)).toEqual(['ban-exclusion-constraint at 1:22', 'ban-exclusion-constraint at 2:50']);
    expect(result[0]!.message).toBe(
      'Adding exclusion constraint bookings_no_overlap to bookings builds its index and checks every row under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends, and there is no NOT VALID or USING INDEX way around it.',
    );
    expect(result[1]!.message).toContain('to "Ops"."Shifts"');
    expect(result[0]!.help).toContain('CREATE TABLE t_new');
  });

  it('exempts a table created earlier in the migration', async () => {
    const sql = lines('CREATE TABLE reservations (room_id bigint, during tstzrange);', 'ALTER TABLE reservations ADD EXCLUDE USING gist (during WITH &&);');
    expect(await findings(sql)).toEqual([]);
  });
});
