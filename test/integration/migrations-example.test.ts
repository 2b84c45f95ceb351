import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/migrations/migration.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { lint } from '../../src/lint/lint.js';
import { applyPhase } from '../support/apply-phase.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The example migrations are what README's quickstart shows: they must lint
// clean and must really work on PostgreSQL, phase by phase, with the old and
// the new app version writing between the phases.

let db: TestDatabase;
let migrations: MigrationFile[];
let serverVersion: number;

beforeAll(async () => {
  await loadParser();
  db = await createTestDatabase('migrations_example');
  migrations = (await discoverMigrations(['migrations-example'])).migrations;
  serverVersion = Number((await db.client.query('SHOW server_version_num')).rows[0].server_version_num) / 10000;
});
afterAll(async () => db?.drop());

/** Columns, constraints, indexes, triggers and functions of the public schema. */
async function catalog(): Promise<string[]> {
  const { rows } = await db.client.query<{ item: string }>(`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS item
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname || ' ' || convalidated
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    ORDER BY 1`);
  return rows.map((r) => r.item);
}

describe('migrations-example', () => {
  it('is discovered as six native migrations in version order', () => {
    expect(migrations.map((m) => [m.layout, m.version.join('.')])).toEqual([
      ['native', '0001'],
      ['native', '0002'],
      ['native', '0003'],
      ['native', '0004'],
      ['native', '0005'],
      ['native', '0006'],
    ]);
  });

  it('lints clean', async () => {
    const result = await lint({ paths: ['migrations-example'], configFile: false });
    expect(result.findings).toEqual([]);
    expect(result.summary.files).toBe(6);
  });

  it('runs expand → abort → expand → migrate → contract for each migration, with both app versions writing', async () => {
    const c = db.client;
    for (const migration of migrations) {
      const before = await catalog();
      await applyPhase(c, migration, 'expand', serverVersion);
      await applyPhase(c, migration, 'abort', serverVersion);
      // Abort undoes expand exactly: the canary can be rolled back at any time.
      expect(await catalog(), `${migration.path}: abort restores the schema`).toEqual(before);

      await applyPhase(c, migration, 'expand', serverVersion);
      if (migration.name.includes('rename_users_name')) {
        // v1 still writes `name` only; v2 writes `full_name` only.
        await c.query(`INSERT INTO users (email, name) VALUES ('v1@example.com', 'Old Writer')`);
        await c.query(`INSERT INTO users (email, full_name) VALUES ('v2@example.com', 'New Writer')`);
      }
      if (migration.name.includes('users_email_normalized')) {
        await c.query(`INSERT INTO users (email, full_name) VALUES ('Mixed@Example.com', 'Case')`);
      }
      await applyPhase(c, migration, 'migrate', serverVersion);
      await applyPhase(c, migration, 'contract', serverVersion);
      if (migration.version.join('') === '0001') {
        await c.query(`INSERT INTO users (email, name) VALUES ('first@example.com', 'First')`);
        await c.query(`INSERT INTO products (sku, title, price_cents) VALUES ('A-1', 'Mug', 900)`);
        await c.query(`INSERT INTO orders (user_id, product_id, total_cents) SELECT u.id, p.id, 900 FROM users u, products p`);
      }
    }

    const users = await c.query(`SELECT email, full_name, email_normalized FROM users ORDER BY id`);
    expect(users.rows).toEqual([
      { email: 'first@example.com', full_name: 'First', email_normalized: 'first@example.com' },
      { email: 'v1@example.com', full_name: 'Old Writer', email_normalized: 'v1@example.com' },
      { email: 'v2@example.com', full_name: 'New Writer', email_normalized: 'v2@example.com' },
      { email: 'Mixed@Example.com', full_name: 'Case', email_normalized: 'mixed@example.com' },
    ]);
    const after = await catalog();
    expect(after).toContain('constraint orders.orders_shipping_address_fk true');
    expect(after).toContain('constraint orders.orders_total_not_negative true');
    expect(after.some((item) => item.startsWith('column users.name '))).toBe(false);
    expect(after.some((item) => item.startsWith('index users_email_normalized_key CREATE UNIQUE INDEX'))).toBe(true);
  });
});
