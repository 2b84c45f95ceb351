import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PgtandemConfig } from '../../src/lint/config.js';
import type { Finding } from '../../src/lint/finding.js';
import { lint } from '../../src/lint/lint.js';
import type { Layout } from '../../src/migrations/migration.js';

// REINDEX, DETACH PARTITION, VACUUM FULL / CLUSTER, TRUNCATE, SET TABLESPACE, SET [UN]LOGGED and trigger changes.

const GROUP = new Set([
  'require-concurrent-reindex',
  'require-concurrent-partition-detach',
  'ban-vacuum-full',
  'ban-truncate',
  'ban-set-tablespace',
  'ban-set-logged',
  'lock-heavy-trigger-change',
]);

interface Source {
  layout?: Layout;
  path?: string;
  config?: Partial<PgtandemConfig>;
}

async function lintOne(text: string, { layout = 'native', path, config }: Source = {}): Promise<Finding[]> {
  const result = await lint({
    sources: [{ path: path ?? (layout === 'flyway' ? 'migrations/V1__change.sql' : 'migrations/0001_change.sql'), text, layout }],
    configFile: false,
    ...(config ? { config } : {}),
  });
  return result.findings;
}

/** This group's findings, each as `<rule> at <line>:<column> in <phase>`. */
async function findings(text: string, source: Source = {}): Promise<string[]> {
  return (await lintOne(text, source)).filter((f) => GROUP.has(f.rule)).map((f) => `${f.rule} at ${f.line}:${f.column} in ${f.phase}`);
}

async function messages(text: string, source: Source = {}): Promise<string[]> {
  return (await lintOne(text, source)).filter((f) => GROUP.has(f.rule)).map((f) => f.message);
}

const NEW_TABLE = 'CREATE TABLE import_rows (id bigint PRIMARY KEY, payload jsonb);\n';

describe('require-concurrent-reindex', () => {
  it('flags REINDEX INDEX / TABLE / SCHEMA / DATABASE / SYSTEM without CONCURRENTLY, at REINDEX', async () => {
    const sql = ['REINDEX INDEX orders_customer_id_idx;', 'REINDEX (VERBOSE) TABLE billing."Invoices";', 'REINDEX SCHEMA billing;', 'REINDEX DATABASE app;', 'REINDEX SYSTEM;', ''].join('\n');
    expect(await findings(sql)).toEqual([1, 2, 3, 4, 5].map((line) => `require-concurrent-reindex at ${line}:1 in expand`));
    const [index, table, , , system] = await messages(sql);
    expect(index).toContain('orders_customer_id_idx');
    expect(table).toContain('billing."Invoices"');
    expect(table).toContain('SHARE on the table and ACCESS EXCLUSIVE on each of its indexes');
    expect(table).toContain('Use REINDEX … CONCURRENTLY');
    expect(system).toContain('cannot be reindexed concurrently');
  });

  it('accepts the CONCURRENTLY forms, with options before it', async () => {
    const sql = 'REINDEX INDEX CONCURRENTLY i;\nREINDEX (VERBOSE) TABLE CONCURRENTLY "App"."Users";\nREINDEX SCHEMA CONCURRENTLY billing;\n';
    expect(await findings(sql)).toEqual([]);
  });

  it('before PostgreSQL 12 says there is no concurrent form and recommends pg_repack or a swap', async () => {
    const [finding] = (await lintOne('REINDEX TABLE orders;\n', { config: { pgVersion: 11 } })).filter((f) => GROUP.has(f.rule));
    expect(finding?.message).toContain('PostgreSQL 11 has no REINDEX CONCURRENTLY');
    expect(finding?.help).toContain('pg_repack');
    expect(finding?.help).toContain('CREATE INDEX CONCURRENTLY');
  });

  it('before PostgreSQL 12 REINDEX … CONCURRENTLY itself fails, flagged at CONCURRENTLY', async () => {
    expect(await findings('REINDEX TABLE CONCURRENTLY orders;\n', { config: { pgVersion: 11 } })).toEqual(['require-concurrent-reindex at 1:15 in expand']);
    expect(await findings('REINDEX TABLE CONCURRENTLY orders;\n', { config: { pgVersion: 12 } })).toEqual([]);
  });

  it('exempts a table, an index on a table, and a schema created earlier in the migration', async () => {
    const sql = `${NEW_TABLE}CREATE INDEX import_rows_payload_idx ON import_rows USING gin (payload);\nREINDEX INDEX import_rows_payload_idx;\nREINDEX TABLE import_rows;\nCREATE SCHEMA staging;\nREINDEX SCHEMA staging;\n`;
    expect(await findings(sql)).toEqual([]);
  });

  it('a new index on an existing table still locks that table', async () => {
    const sql = 'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\nREINDEX INDEX orders_placed_at_idx;\n';
    expect(await findings(sql)).toEqual(['require-concurrent-reindex at 2:1 in expand']);
  });

  it('a table created in expand is not new any more in contract', async () => {
    expect(await findings(`${NEW_TABLE}-- pgtandem:contract\nREINDEX TABLE import_rows;\n`)).toEqual(['require-concurrent-reindex at 3:1 in contract']);
  });

  it('system catalogs get the maintenance-window advice, not CONCURRENTLY', async () => {
    const [message] = await messages('REINDEX TABLE pg_catalog.pg_class;\n');
    expect(message).toContain('System catalogs cannot be reindexed concurrently');
    expect(message).not.toContain('Use REINDEX … CONCURRENTLY');
  });

  it('applies to foreign layouts too', async () => {
    expect(await findings('REINDEX INDEX users_email_idx;\n', { layout: 'flyway' })).toEqual(['require-concurrent-reindex at 1:1 in expand']);
  });
});

describe('require-concurrent-partition-detach', () => {
  it('flags DETACH PARTITION at the clause, naming parent and partition', async () => {
    const sql = 'ALTER TABLE metrics."Events" DETACH PARTITION metrics."Events_2023";\n';
    expect(await findings(sql)).toEqual(['require-concurrent-partition-detach at 1:30 in expand']);
    const [message] = await messages(sql);
    expect(message).toContain('metrics."Events_2023"');
    expect(message).toContain('ACCESS EXCLUSIVE on metrics."Events"');
    expect(message).toContain('DETACH PARTITION … CONCURRENTLY (outside a transaction)');
  });

  it('accepts CONCURRENTLY and FINALIZE', async () => {
    expect(await findings('ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;\nALTER TABLE events DETACH PARTITION events_2023 FINALIZE;\n')).toEqual([]);
  });

  it('before PostgreSQL 14 the message says the concurrent form is not available, and CONCURRENTLY itself fails', async () => {
    const sql = 'ALTER TABLE events DETACH PARTITION events_2023;\nALTER TABLE events DETACH PARTITION events_2022 CONCURRENTLY;\n';
    const result = (await lintOne(sql, { config: { pgVersion: 13 } })).filter((f) => GROUP.has(f.rule));
    expect(result.map((f) => `${f.line}:${f.column}`)).toEqual(['1:20', '2:49']);
    expect(result[0]!.message).toContain('PostgreSQL 13 has no concurrent detach');
    expect(result[0]!.help).toContain('lock_timeout');
    expect(result[1]!.message).toContain('needs PostgreSQL 14');
  });

  it('exempts a parent created earlier in the migration, but not a new partition of an existing parent', async () => {
    const parent =
      'CREATE TABLE staging_rows (id bigint, batch int) PARTITION BY LIST (batch);\nCREATE TABLE staging_rows_1 PARTITION OF staging_rows FOR VALUES IN (1);\nALTER TABLE staging_rows DETACH PARTITION staging_rows_1;\n';
    expect(await findings(parent)).toEqual([]);
    const child = 'CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM (1) TO (2);\nALTER TABLE events DETACH PARTITION events_2030;\n';
    expect(await findings(child)).toEqual(['require-concurrent-partition-detach at 2:20 in expand']);
  });
});

describe('ban-vacuum-full', () => {
  it('flags VACUUM FULL with any table list, naming only the existing tables', async () => {
    const sql = `${NEW_TABLE}VACUUM (FULL, ANALYZE) import_rows, app."LineItems";\nVACUUM FULL;\n`;
    expect(await findings(sql)).toEqual(['ban-vacuum-full at 2:1 in expand', 'ban-vacuum-full at 3:1 in expand']);
    const [listed, all] = await messages(sql);
    expect(listed).toContain('rewrites app."LineItems" under ACCESS EXCLUSIVE');
    expect(listed).not.toContain('import_rows');
    expect(all).toContain('every table in the database');
  });

  it('flags CLUSTER, with and without a table', async () => {
    expect(await findings('CLUSTER orders USING orders_placed_at_idx;\nCLUSTER;\nCLUSTER (VERBOSE) orders;\n')).toEqual([
      'ban-vacuum-full at 1:1 in expand',
      'ban-vacuum-full at 2:1 in expand',
      'ban-vacuum-full at 3:1 in expand',
    ]);
  });

  it('accepts plain VACUUM, ANALYZE, FULL switched off, and CLUSTER ON (which only marks the index)', async () => {
    const sql = 'VACUUM orders;\nVACUUM (ANALYZE) orders;\nANALYZE orders;\nVACUUM (FULL false) orders;\nVACUUM (FULL 0) orders;\nALTER TABLE orders CLUSTER ON orders_pkey;\n';
    expect(await findings(sql)).toEqual([]);
  });

  it('the last of repeated FULL options wins, as in PostgreSQL', async () => {
    expect(await findings('VACUUM (FULL, FULL off) orders;\n')).toEqual([]);
    expect(await findings('VACUUM (FULL off, FULL) orders;\n')).toEqual(['ban-vacuum-full at 1:1 in expand']);
  });

  it('recommends REPACK (CONCURRENTLY) on PostgreSQL 19+, pg_repack before', async () => {
    const [old] = await messages('VACUUM FULL orders;\n');
    expect(old).toContain('pg_repack or pg_squeeze');
    expect(old).not.toContain('REPACK (CONCURRENTLY)');
    const [current] = await messages('VACUUM FULL orders;\n', { config: { pgVersion: 19 } });
    expect(current).toContain('REPACK (CONCURRENTLY)');
  });

  it('exempts tables created earlier in the migration', async () => {
    expect(await findings(`${NEW_TABLE}VACUUM FULL import_rows;\nCLUSTER import_rows USING import_rows_pkey;\n`)).toEqual([]);
  });
});

describe('ban-truncate', () => {
  it('flags TRUNCATE of existing tables in every phase, saying who loses the rows', async () => {
    const sql = ['TRUNCATE sessions;', '-- pgtandem:migrate', 'TRUNCATE TABLE sessions;', '-- pgtandem:contract', 'TRUNCATE sessions;', '-- pgtandem:abort', 'TRUNCATE sessions;', ''].join('\n');
    expect(await findings(sql)).toEqual([
      'ban-truncate at 1:1 in expand',
      'ban-truncate at 3:1 in migrate',
      'ban-truncate at 5:1 in contract',
      'ban-truncate at 7:1 in abort',
    ]);
    const [expand, migrate, contract, abort] = await messages(sql);
    expect(expand).toContain('ACCESS EXCLUSIVE on sessions');
    expect(expand).toContain('the running version (v1) still reads and writes it');
    expect(migrate).toContain('v1 and v2');
    expect(contract).toContain('DROP TABLE instead');
    expect(abort).toContain('v1, running again');
  });

  it('mentions CASCADE, and names only the existing tables', async () => {
    const sql = `${NEW_TABLE}TRUNCATE import_rows, app."Carts", ONLY cart_items RESTART IDENTITY CASCADE;\n`;
    expect(await findings(sql)).toEqual(['ban-truncate at 2:1 in expand']);
    const [message] = await messages(sql);
    expect(message).toContain('app."Carts", cart_items');
    expect(message).not.toContain('import_rows');
    expect(message).toContain('CASCADE also empties every table with a foreign key to them');
  });

  it('exempts tables created earlier in the same phase, and expand tables in abort', async () => {
    expect(await findings(`${NEW_TABLE}TRUNCATE import_rows;\n-- pgtandem:abort\nTRUNCATE import_rows;\n`)).toEqual([]);
  });

  it('a table created in expand has v2 data by migrate and contract', async () => {
    expect(await findings(`${NEW_TABLE}-- pgtandem:migrate\nTRUNCATE import_rows;\n`)).toEqual(['ban-truncate at 3:1 in migrate']);
  });

  it('applies to foreign layouts (all of a foreign file is expand)', async () => {
    expect(await findings('TRUNCATE TABLE "TenantResourceLimitAlert";\n', { layout: 'plain' })).toEqual(['ban-truncate at 1:1 in expand']);
  });
});

describe('ban-set-tablespace and ban-set-logged', () => {
  it('report each subcommand of a multi-command ALTER TABLE with its own span', async () => {
    const sql = 'ALTER TABLE app."PageViews" SET TABLESPACE archive_space, SET LOGGED, SET UNLOGGED;\n';
    expect(await findings(sql)).toEqual(['ban-set-tablespace at 1:29 in expand', 'ban-set-logged at 1:59 in expand', 'ban-set-logged at 1:71 in expand']);
    const [tablespace, logged, unlogged] = await messages(sql);
    expect(tablespace).toContain('app."PageViews" to tablespace archive_space');
    expect(tablespace).toContain('ACCESS EXCLUSIVE');
    expect(logged).toContain('SET LOGGED rewrites app."PageViews"');
    expect(logged).toContain('WAL');
    expect(unlogged).toContain('emptied on a crash');
    expect(unlogged).toContain('standbys');
  });

  it('ALTER INDEX / MATERIALIZED VIEW … SET TABLESPACE and ALTER … ALL IN TABLESPACE are flagged', async () => {
    const sql = [
      'ALTER INDEX app."Events_created_at_idx" SET TABLESPACE fast_space;',
      'ALTER MATERIALIZED VIEW daily_totals SET TABLESPACE fast_space;',
      'ALTER TABLE ALL IN TABLESPACE pg_default OWNED BY app SET TABLESPACE fast_space NOWAIT;',
      'ALTER INDEX ALL IN TABLESPACE pg_default SET TABLESPACE fast_space;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual([
      'ban-set-tablespace at 1:41 in expand',
      'ban-set-tablespace at 2:38 in expand',
      'ban-set-tablespace at 3:1 in expand',
      'ban-set-tablespace at 4:1 in expand',
    ]);
    const [index, , all, indexes] = await messages(sql);
    expect(index).toContain('index app."Events_created_at_idx"');
    expect(all).toContain('every table in tablespace pg_default');
    expect(indexes).toContain('every index in tablespace pg_default');
  });

  it('exempt tables, and indexes of tables, created earlier in the migration', async () => {
    const sql = `CREATE UNLOGGED TABLE import_rows (id bigint PRIMARY KEY);\nCREATE INDEX import_rows_id_idx ON import_rows (id);\nALTER TABLE import_rows SET TABLESPACE bulk, SET LOGGED;\nALTER INDEX import_rows_id_idx SET TABLESPACE bulk;\n`;
    expect(await findings(sql)).toEqual([]);
  });

  it('ignore sequences and foreign tables, which have nothing to rewrite or copy', async () => {
    expect(await findings('ALTER SEQUENCE orders_id_seq SET LOGGED;\nALTER FOREIGN TABLE remote_orders SET TABLESPACE x;\n')).toEqual([]);
  });
});

describe('lock-heavy-trigger-change', () => {
  it('DISABLE TRIGGER ALL is an error that mentions foreign keys', async () => {
    const [finding] = (await lintOne('ALTER TABLE orders DISABLE TRIGGER ALL;\n')).filter((f) => GROUP.has(f.rule));
    expect(finding).toMatchObject({ rule: 'lock-heavy-trigger-change', severity: 'error', line: 1, column: 20 });
    expect(finding?.message).toContain('SHARE ROW EXCLUSIVE on orders');
    expect(finding?.message).toContain('foreign keys');
    expect(finding?.message).toContain('superuser');
  });

  it('reports DISABLE TRIGGER USER and a named trigger in one ALTER TABLE separately; ENABLE is fine', async () => {
    const sql = 'ALTER TABLE audit."Events" DISABLE TRIGGER USER, DISABLE TRIGGER "Sync", ENABLE TRIGGER ALL;\n';
    expect(await findings(sql)).toEqual(['lock-heavy-trigger-change at 1:28 in expand', 'lock-heavy-trigger-change at 1:50 in expand']);
    const [, named] = await messages(sql);
    expect(named).toContain('DISABLE TRIGGER "Sync" takes SHARE ROW EXCLUSIVE on audit."Events"');
    expect(named).toContain('for every session');
  });

  it('the disable / backfill / enable block is flagged at the DISABLE', async () => {
    const sql = '-- pgtandem:migrate\nALTER TABLE users DISABLE TRIGGER users_audit;\nUPDATE users SET full_name = name WHERE id BETWEEN 1 AND 1000;\nALTER TABLE users ENABLE TRIGGER users_audit;\n';
    expect(await findings(sql)).toEqual(['lock-heavy-trigger-change at 2:19 in migrate']);
  });

  it('CREATE TRIGGER, DROP TRIGGER and ENABLE are left to lock_timeout: no finding in a runner-applied file', async () => {
    const sql = [
      'CREATE TRIGGER users_sync BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();',
      'CREATE OR REPLACE TRIGGER orders_audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();',
      'ALTER TABLE orders ENABLE ALWAYS TRIGGER orders_audit;',
      '-- pgtandem:contract',
      'DROP TRIGGER users_sync ON users;',
      '',
    ].join('\n');
    expect(await lintOne(sql)).toEqual([]);
  });

  it('in a foreign file without lock_timeout, CREATE TRIGGER gets require-lock-timeout’s warning, not an error', async () => {
    const sql = 'CREATE TRIGGER users_sync BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();\n';
    const result = await lintOne(sql, { layout: 'flyway' });
    expect(result.filter((f) => GROUP.has(f.rule))).toEqual([]);
    expect(result.find((f) => f.rule === 'require-lock-timeout')).toMatchObject({ severity: 'warn', line: 1 });
    expect(await lintOne(`SET lock_timeout = '2s';\nSET statement_timeout = '30s';\n${sql}`, { layout: 'flyway' })).toEqual([]);
  });

  it('exempts new tables and triggers created earlier in the phase; abort may disable what expand created', async () => {
    const sql = [
      'CREATE TABLE import_rows (id bigint PRIMARY KEY, order_id bigint REFERENCES import_batches (id));',
      'ALTER TABLE import_rows DISABLE TRIGGER ALL;',
      'CREATE TRIGGER users_sync BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();',
      'ALTER TABLE users DISABLE TRIGGER users_sync;',
      '-- pgtandem:abort',
      'ALTER TABLE users DISABLE TRIGGER users_sync;',
      '',
    ].join('\n');
    expect(await findings(sql)).toEqual([]);
  });

  it('a sync trigger created in expand and disabled in migrate is flagged: v1 still writes', async () => {
    const sql = 'CREATE TRIGGER users_sync BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();\n-- pgtandem:migrate\nALTER TABLE users DISABLE TRIGGER users_sync;\n';
    expect(await findings(sql)).toEqual(['lock-heavy-trigger-change at 3:19 in migrate']);
  });

  it('migrations-example (the sync-trigger rename recipe) stays clean for this group', async () => {
    const dir = fileURLToPath(new URL('../../migrations-example', import.meta.url));
    const result = await lint({ paths: [dir], configFile: false });
    expect(result.findings.filter((f) => GROUP.has(f.rule))).toEqual([]);
  });
});
