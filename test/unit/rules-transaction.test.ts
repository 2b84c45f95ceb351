import { describe, expect, it } from 'vitest';
import { lint, type LintOptions, type LintSource } from '../../src/lint/lint.js';

async function found(source: LintSource, config: LintOptions["config"] = {}): Promise<string[]> {
  const result = await lint({ sources: [source], configFile: false, config });
  return result.findings.map((f) => `${f.rule} ${f.line}:${f.column}`);
}

const goose = (sql: string): LintSource => ({ path: 'db/20240101000000_x.sql', text: `-- +goose Up\n${sql}` });
const native = (sql: string): LintSource => ({ path: 'db/0001_x.sql', text: sql, layout: 'native' });

describe('require-lock-timeout and require-statement-timeout', () => {
  it('fire once per file, at the first write-blocking lock on an existing table', async () => {
    expect(await found(goose('CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\nALTER TABLE users ADD COLUMN c int;\n'))).toEqual([
      'require-lock-timeout 4:1',
      'require-statement-timeout 4:1',
    ]);
  });

  it('accept SET, SET LOCAL and set_config() made earlier in the file', async () => {
    const sql = "SET LOCAL lock_timeout = '1s';\nSELECT set_config('statement_timeout', '5s', false);\nALTER TABLE users ADD COLUMN b int;\n";
    expect(await found(goose(sql))).toEqual([]);
  });

  it('treat a timeout of 0 as none', async () => {
    expect(await found(goose("SET lock_timeout TO 0;\nSET statement_timeout = '5s';\nALTER TABLE users DROP CONSTRAINT users_x_check;\n"))).toEqual([
      'require-lock-timeout 4:1',
    ]);
  });

  it('never fire for native files the runner applies, unless runner is external', async () => {
    const sql = '-- pgtandem:expand\nALTER TABLE users ADD COLUMN b int;\n';
    expect(await found(native(sql))).toEqual([]);
    expect(await found(native(sql), { runner: 'external' })).toEqual(['require-lock-timeout 2:1', 'require-statement-timeout 2:1']);
  });

  it('ignore locks that do not block writes (CONCURRENTLY, VALIDATE)', async () => {
    const sql = '-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_b_idx ON users (b);\nALTER TABLE users VALIDATE CONSTRAINT users_b_check;\n';
    expect(await found(goose(sql))).toEqual([]);
  });
});

describe('multiple-ddl-locks-in-transaction', () => {
  it('flags slow work after ACCESS EXCLUSIVE in the same transaction, once', async () => {
    const sql = "ALTER TABLE orders ADD COLUMN region text;\nUPDATE orders SET region = 'eu';\nCREATE INDEX orders_region_idx ON orders (region);\n";
    const findings = await found(native(sql));
    expect(findings.filter((f) => f.startsWith('multiple-ddl-locks'))).toEqual(['multiple-ddl-locks-in-transaction 2:1']);
    expect(findings).toContain('require-concurrent-index-creation 3:1');
  });

  it('does not flag work in a later phase or a new table', async () => {
    expect(await found(native("ALTER TABLE orders ADD COLUMN region text;\n-- pgtandem:migrate\nUPDATE orders SET region = 'eu';\n"))).toEqual([]);
    expect(await found(native('CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int;\nCREATE INDEX a_b_idx ON a (b);\n'))).toEqual([]);
  });
});

describe('statements inside DO blocks and function bodies', () => {
  it('are linted with positions in the file', async () => {
    const sql = '-- pgtandem:expand\nDO $$\nBEGIN\n  ALTER TABLE users RENAME COLUMN name TO full_name;\nEND $$;\n';
    expect(await found(native(sql))).toEqual(['renaming-column 4:21']);
  });

  it('reach into nested blocks, loops and functions, in PL/pgSQL and SQL bodies', async () => {
    const sql = [
      '-- pgtandem:expand',
      'CREATE FUNCTION migrate_users() RETURNS void LANGUAGE plpgsql AS $body$',
      'DECLARE r record;',
      'BEGIN',
      '  FOR r IN SELECT id FROM teams LOOP',
      '    IF r.id > 0 THEN',
      '      DROP TABLE legacy_users;',
      '    END IF;',
      '  END LOOP;',
      'END $body$;',
      "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'ALTER TABLE t DROP COLUMN c';",
      '',
    ].join('\n');
    // A function body runs when called, not now: its statements take no lock in this transaction.
    expect(await found(native(sql))).toEqual(['ban-drop-table 7:7', 'ban-drop-column 11:65']);
  });

  it('report dynamic EXECUTE at the EXECUTE', async () => {
    const sql = "-- pgtandem:expand\nDO $$\nBEGIN\n  EXECUTE 'DROP TABLE ' || quote_ident('x');\nEND $$;\n";
    expect(await found(native(sql))).toEqual(['dynamic-sql-not-analyzed 4:3']);
  });

  it('are silenced by an ignore before the DO block', async () => {
    const sql = '-- pgtandem:expand\n-- pgtandem-ignore renaming-column: the view keeps the old name\nDO $$ BEGIN ALTER TABLE users RENAME COLUMN name TO full_name; END $$;\n';
    expect(await found(native(sql))).toEqual([]);
  });

  it('count as in a transaction: CONCURRENTLY inside a DO block always fails', async () => {
    const sql = '-- pgtandem:expand\nDO $$ BEGIN CREATE INDEX CONCURRENTLY users_b_idx ON users (b); END $$;\n';
    expect(await found(native(sql))).toEqual(['ban-concurrent-index-creation-in-transaction 2:26']);
  });

  it('create objects only when run: a DO block yes, a function body no', async () => {
    const doBlock = '-- pgtandem:expand\nDO $$ BEGIN CREATE TABLE scratch (id int); END $$;\nCREATE INDEX scratch_id_idx ON scratch (id);\n';
    expect(await found(native(doBlock))).toEqual([]);
  });
});
