import { describe, expect, it } from 'vitest';
import { parsePgVersion, pgServerVersion, type PgtandemConfig } from '../../src/lint/config.js';
import { lint } from '../../src/lint/lint.js';
import { Catalog } from '../../src/schema/catalog.js';

// The rules other linters (squawk, strong_migrations, eugene) have, beyond their examples.
async function findings(text: string, options: { config?: Partial<PgtandemConfig>; catalog?: Catalog; path?: string } = {}) {
  const result = await lint({
    sources: [{ path: options.path ?? 'migrations/0001_change.sql', text, layout: options.path ? undefined : 'native' }],
    configFile: false,
    ...(options.config ? { config: options.config } : {}),
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  return result.findings.map((f) => `${f.rule} at ${f.line}:${f.column}-${f.endColumn}`);
}

describe('pgVersion with a minor release', () => {
  it('"14.2" is major 14 and server_version_num 140002; a bare major names no release', () => {
    expect(parsePgVersion('14.2', (m) => new Error(m))).toBe(14);
    expect(pgServerVersion('14.2')).toBe(140002);
    expect(pgServerVersion('17')).toBeUndefined();
    expect(pgServerVersion(14)).toBeUndefined();
    expect(() => parsePgVersion('14.2.1', (m) => new Error(m))).toThrow(/major version/);
  });
});

describe('concurrent-index-corruption-bug', () => {
  const sql = 'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n';

  it.each([
    [140000, true],
    [140003, true],
    [140004, false],
    [130010, false],
    [150000, false],
  ])('server_version_num %i from a live catalog: flagged %s', async (version, flagged) => {
    const catalog = new Catalog();
    catalog.serverVersionNum = version;
    expect(await findings(sql, { catalog })).toEqual(flagged ? ['concurrent-index-corruption-bug at 1:1-26'] : []);
  });

  it('is silent when only the major is known', async () => {
    expect(await findings(sql, { config: { pgVersion: 14 } })).toEqual([]);
  });

  it('a live database’s release wins over the config’s', async () => {
    const catalog = new Catalog();
    catalog.serverVersionNum = 140011;
    expect(await findings(sql, { catalog, config: { pgVersion: 14, pgServerVersion: 140001 } })).toEqual([]);
  });
});

describe('require-statement-timeout and transaction_timeout', () => {
  const goose = (timeout: string) =>
    `-- +goose Up\nSET lock_timeout = '2s';\nSET transaction_timeout = '${timeout}';\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n`;
  const path = 'db/20240101000000_check.sql';

  it('counts on PostgreSQL 17', async () => {
    expect(await findings(goose('1min'), { path, config: { pgVersion: 17 } })).toEqual([]);
  });

  it('does not count when disabled, nor before PostgreSQL 17 (the message says why)', async () => {
    expect(await findings(goose('0'), { path, config: { pgVersion: 17 } })).toEqual(['require-statement-timeout at 4:1-85']);
    const result = await lint({ sources: [{ path, text: goose('1min') }], configFile: false, config: { pgVersion: 16 } });
    expect(result.findings.map((f) => f.rule)).toEqual(['require-statement-timeout']);
    expect(result.findings[0]!.message).toContain('transaction_timeout needs PostgreSQL 17');
  });
});

describe('identifier-too-long', () => {
  it('counts bytes, not characters, and names what PostgreSQL keeps', async () => {
    const name = 'ü'.repeat(32); // 64 bytes
    const result = await lint({ sources: [{ path: 'm/0001_x.sql', text: `CREATE TABLE "${name}" (id bigint PRIMARY KEY);\n`, layout: 'native' }], configFile: false });
    expect(result.findings.map((f) => f.rule)).toEqual(['identifier-too-long']);
    expect(result.findings[0]!.message).toContain(`"${'ü'.repeat(31)}"`);
    const fits = await lint({ sources: [{ path: 'm/0001_x.sql', text: `CREATE TABLE "${'ü'.repeat(31)}x" (id bigint PRIMARY KEY);\n`, layout: 'native' }], configFile: false });
    expect(fits.findings).toEqual([]);
  });
});

describe('ban-duplicate-column-assignments', () => {
  it.each([
    ["-- pgtandem:migrate\nINSERT INTO plans (id, name, id) VALUES (1, 'a', 2);\n", ['ban-duplicate-column-assignments at 2:30-32']],
    ["-- pgtandem:migrate\nINSERT INTO plans (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = 'b', name = 'c';\n", ['ban-duplicate-column-assignments at 2:89-93']],
    ['-- pgtandem:migrate\nUPDATE items SET tags[1] = 1, tags[2] = 2;\n', []],
    ['CREATE VIEW v (a, a) AS SELECT 1, 2;\n', ['ban-duplicate-column-assignments at 1:1-36']],
  ])('%s', async (sql, expected) => {
    expect((await findings(sql)).filter((f) => f.startsWith('ban-duplicate'))).toEqual(expected);
  });
});

describe('require-foreign-key-index', () => {
  it('an index created in a later phase of the migration counts; one in another table does not', async () => {
    const created = 'CREATE TABLE tags (id bigint PRIMARY KEY, post_id bigint REFERENCES posts (id));\n';
    const ours = async (sql: string) => (await findings(sql)).filter((f) => f.startsWith('require-foreign-key-index'));
    expect(await ours(`${created}-- pgtandem:contract\nCREATE INDEX CONCURRENTLY tags_post_id_idx ON tags (post_id);\n`)).toEqual([]);
    expect(await ours(`${created}CREATE INDEX CONCURRENTLY other_idx ON posts (id);\n`)).toEqual(['require-foreign-key-index at 1:58-68']);
  });

  it('a partial index does not count', async () => {
    const sql = 'CREATE TABLE tags (id bigint PRIMARY KEY, post_id bigint REFERENCES posts (id));\nCREATE INDEX tags_post_idx ON tags (post_id) WHERE post_id IS NOT NULL;\n';
    expect(await findings(sql)).toEqual(['require-foreign-key-index at 1:58-68']);
  });
});
