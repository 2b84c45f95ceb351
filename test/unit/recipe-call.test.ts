import { describe, expect, it } from 'vitest';
import { recipeCallOf } from '../../src/fix/recipe-call.js';
import { readMigrationSource } from '../../src/migrations/discover.js';
import { recipeCommand } from '../../src/recipes/recipe-command.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { loadParser } from '../../src/sql/pg-parser.js';

// The `pgtandem new` call a flagged statement becomes: its names from the parse tree, its types and expressions as written.
function commandFor(recipes: string[], sql: string): string | undefined {
  const file = readMigrationSource('m/0002_x.sql', sql);
  const [statement] = parseSegment(file.text, file.segments[0]!).statements;
  const call = recipeCallOf(recipes, statement!, { start: statement!.start, end: statement!.end });
  return call && recipeCommand(call.recipe, call.args, call.flags);
}

describe('recipeCallOf', () => {
  it.each([
    [['rename-column'], 'ALTER TABLE billing."Invoice" RENAME "totalCents" TO "amountCents";', `pgtandem new rename-column 'billing."Invoice"' '"totalCents"' '"amountCents"'`],
    [['rename-table'], 'ALTER TABLE customers RENAME TO clients;', 'pgtandem new rename-table customers clients'],
    [['change-column-type'], 'ALTER TABLE orders ALTER COLUMN total SET DATA TYPE numeric(12, 2) USING total::numeric(12, 2);', `pgtandem new change-column-type orders total 'numeric(12, 2)' --using 'total::numeric(12, 2)'`],
    [['add-not-null'], 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', 'pgtandem new add-not-null users email'],
    [['drop-column'], 'ALTER TABLE users DROP COLUMN IF EXISTS legacy;', 'pgtandem new drop-column users legacy'],
    [['add-index'], 'CREATE UNIQUE INDEX users_email_idx ON users (lower_email, tenant_id) WHERE deleted_at IS NULL;', `pgtandem new add-index users lower_email tenant_id --unique --where 'deleted_at IS NULL'`],
    [['add-check', 'add-foreign-key'], 'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > (0));', `pgtandem new add-check orders positive 'total > (0)'`],
    [['add-check', 'add-foreign-key'], 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES app.users (id);', `pgtandem new add-foreign-key orders user_id 'app.users(id)'`],
    [['add-index'], 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id, tenant_id) REFERENCES users (id, tenant_id);', 'pgtandem new add-index orders user_id tenant_id'],
    [['add-unique'], 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);', 'pgtandem new add-unique users email'],
    [['add-column'], "ALTER TABLE orders ADD COLUMN status varchar(20) NOT NULL DEFAULT 'new';", `pgtandem new add-column orders status 'varchar(20)' --not-null --default ''\\''new'\\'''`],
    [['add-column'], 'ALTER TABLE orders ADD COLUMN placed_at timestamp with time zone DEFAULT now();', `pgtandem new add-column orders placed_at 'timestamp with time zone' --default 'now()'`],
    [['drop-column'], 'ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;', 'pgtandem new drop-column users nickname --allow-null'],
  ])('%s: %s', async (recipes, sql, command) => {
    await loadParser();
    expect(commandFor(recipes, sql)).toBe(command);
  });

  it.each([
    [['add-index'], 'CREATE INDEX ON users (lower(email));'],
    [['add-index'], 'CREATE INDEX ON users USING gin (tags);'],
    [['add-foreign-key'], 'ALTER TABLE orders ADD FOREIGN KEY (a, b) REFERENCES t (a, b);'],
    [['drop-column'], 'ALTER TABLE users DROP COLUMN legacy CASCADE;'],
    [['rename-table'], 'ALTER VIEW active_users RENAME TO users_active;'],
    [['add-column'], 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);'],
  ])('no recipe fits %s: %s', async (recipes, sql) => {
    await loadParser();
    expect(commandFor(recipes, sql)).toBeUndefined();
  });
});
