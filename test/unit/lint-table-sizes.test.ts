import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import { Catalog, type TableInfo } from '../../src/schema/catalog.js';

// Sizes come from a live database (`lint --database-url`); here the catalog is built by hand.
function catalogWith(...tables: [name: string, rows: number, bytes: number][]): Catalog {
  const catalog = new Catalog();
  for (const [name, rows, bytes] of tables) {
    const table: TableInfo = {
      schema: 'public',
      name,
      kind: 'table',
      columns: [{ name: 'id', type: 'bigint', notNull: true }, { name: 'email', type: 'text', notNull: false }],
      constraints: [],
      size: { rows, bytes },
    };
    catalog.tables.set(`public.${name}`, table);
  }
  return catalog;
}

async function findingsOf(sql: string, catalog: Catalog, config: { smallTableRows?: number } = {}) {
  const result = await lint({ sources: [{ path: 'db/0002_change.sql', text: `-- pgtandem:expand\n${sql}\n` }], configFile: false, catalog, config });
  return result.findings.filter((f) => f.rule === 'require-concurrent-index-creation');
}

describe('table sizes from a live database', () => {
  const catalog = catalogWith(['countries', 240, 49_152], ['events', 12_400_000, 4.1 * 1024 ** 3]);

  it.each([
    ['a big table: an error that says how big', 'CREATE INDEX events_email_idx ON events (email);', 'error', 'Tables: events (~12.4M rows, 4.1 GB).'],
    ['a table under smallTableRows: a warning that says why', 'CREATE INDEX countries_email_idx ON countries (email);', 'warn', 'Tables: countries (~240 rows, 48 kB) — under smallTableRows (10,000), so the lock is brief.'],
  ])('%s', async (_case, sql, severity, note) => {
    const [finding] = await findingsOf(sql, catalog);
    expect(finding?.severity).toBe(severity);
    expect(finding?.message.endsWith(note)).toBe(true);
  });

  it('smallTableRows from the config moves the line', async () => {
    const [finding] = await findingsOf('CREATE INDEX countries_email_idx ON countries (email);', catalog, { smallTableRows: 100 });
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain('countries (~240 rows, 48 kB)');
  });

  it('says nothing about size when a table has none (replayed from migrations, not read from a database)', async () => {
    const replayed = catalogWith(['users', 0, 0]);
    replayed.tables.get('public.users')!.size = undefined;
    const [finding] = await findingsOf('CREATE INDEX users_email_idx ON users (email);', replayed);
    expect(finding?.severity).toBe('error');
    expect(finding?.message).not.toContain('Tables:');
  });
});
