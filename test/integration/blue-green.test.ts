import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { runMain } from '../support/run-main.js';
import { tempDir } from '../support/temp-dir.js';

// Blue-green with migrations-example's rename of users.name to users.full_name (0005): blue is v1 (name),
// green is v2 (full_name). After the flip blue stays warm as the rollback, so every write either side makes
// must read back on the other: the expand section's trigger syncs both ways until contract.
const EXAMPLE = fileURLToPath(new URL('../../migrations-example/', import.meta.url));

const blue = {
  insert: (c: pg.Client, email: string, name: string) => c.query('INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id', [email, name]),
  rename: (c: pg.Client, id: number, name: string) => c.query('UPDATE users SET name = $1 WHERE id = $2', [name, id]),
  read: async (c: pg.Client) => rowsById((await c.query<{ id: number; name: string }>('SELECT id, name FROM users ORDER BY id')).rows.map((r) => [r.id, r.name])),
};
const green = {
  insert: (c: pg.Client, email: string, name: string) => c.query('INSERT INTO users (email, full_name) VALUES ($1, $2) RETURNING id', [email, name]),
  rename: (c: pg.Client, id: number, name: string) => c.query('UPDATE users SET full_name = $1 WHERE id = $2', [name, id]),
  read: async (c: pg.Client) => rowsById((await c.query<{ id: number; full_name: string }>('SELECT id, full_name FROM users ORDER BY id')).rows.map((r) => [r.id, r.full_name])),
};

function rowsById(rows: [number, string][]): Record<number, string> {
  return Object.fromEntries(rows.map(([id, name]) => [Number(id), name]));
}

describe('blue-green deploy of a column rename', () => {
  const dir = tempDir('pgtandem-blue-green-');
  let db: TestDatabase;
  const run = (...args: string[]) => runMain([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: db.url } });
  const connect = async (url: string, side: 'blue' | 'green') => {
    const client = new pg.Client({ connectionString: url, application_name: `shop@${side}` });
    client.on('error', () => {});
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    for (const file of ['0001_initial_schema.sql', '0005_rename_users_name_to_full_name.sql']) copyFileSync(join(EXAMPLE, file), join(dir, file));
    db = await createTestDatabase('blue_green');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('expand before green, migrate while blue serves, flip, flip back and forth: each side reads every row the other wrote; contract once blue is torn down', async () => {
    expect((await run('expand', '--to', '0001')).code).toBe(0);
    expect((await run('migrate', '--to', '0001')).code).toBe(0);
    const bluePool = await connect(db.url, 'blue');
    const expected: Record<number, string> = {};
    for (let i = 1; i <= 20; i++) expected[(await blue.insert(bluePool, `b${i}@shop.test`, `Blue ${i}`)).rows[0].id] = `Blue ${i}`;

    // Expand before green starts; blue keeps serving, then the backfill runs while it does.
    expect((await run('expand')).code).toBe(0);
    for (let i = 21; i <= 25; i++) expected[(await blue.insert(bluePool, `b${i}@shop.test`, `Blue ${i}`)).rows[0].id] = `Blue ${i}`;
    expect((await run('migrate')).code).toBe(0);
    const greenPool = await connect(db.url, 'green');
    expect(await green.read(greenPool)).toEqual(expected);

    // Flip to green: it inserts and renames, blue's rows included.
    for (let i = 1; i <= 10; i++) expected[(await green.insert(greenPool, `g${i}@shop.test`, `Green ${i}`)).rows[0].id] = `Green ${i}`;
    for (const id of Object.keys(expected).map(Number).slice(0, 5)) {
      await green.rename(greenPool, id, `Renamed by green ${id}`);
      expected[id] = `Renamed by green ${id}`;
    }
    // Flip back to blue (green misbehaved): blue reads every row as green left it, and writes again.
    expect(await blue.read(bluePool)).toEqual(expected);
    for (let i = 26; i <= 30; i++) expected[(await blue.insert(bluePool, `b${i}@shop.test`, `Blue ${i}`)).rows[0].id] = `Blue ${i}`;
    for (const id of Object.keys(expected).map(Number).slice(5, 10)) {
      await blue.rename(bluePool, id, `Renamed by blue ${id}`);
      expected[id] = `Renamed by blue ${id}`;
    }
    // And forward to green again: it reads every row as blue left it.
    expect(await green.read(greenPool)).toEqual(expected);

    // Blue stays warm as the rollback: its idle pool keeps contract off.
    const refused = await run('contract', '--old-release', 'shop@blue%');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("session(s) of the old release (application_name LIKE 'shop@blue%') still connected");
    expect(await green.read(greenPool)).toEqual(expected);

    // Blue torn down: contract (the usage gate has no pg_stat_statements on this server and says so).
    await bluePool.end();
    const contracted = await run('contract', '--old-release', 'shop@blue%');
    expect(contracted.code, contracted.stderr).toBe(0);
    expect(contracted.stderr).toContain('usage gate: pg_stat_statements is not installed');
    expect(await green.read(greenPool)).toEqual(expected);
    await greenPool.end();
  });

  it('abort after a flip back: green wrote, blue serves again, abort removes green\'s column and blue reads every row', async () => {
    const other = await createTestDatabase('blue_green_abort');
    const runOther = (...args: string[]) => runMain([...args, '--dir', dir], { cwd: dir, env: { DATABASE_URL: other.url } });
    try {
      expect((await runOther('expand', '--to', '0001')).code).toBe(0);
      expect((await runOther('migrate', '--to', '0001')).code).toBe(0);
      const bluePool = await connect(other.url, 'blue');
      const expected: Record<number, string> = {};
      for (let i = 1; i <= 5; i++) expected[(await blue.insert(bluePool, `b${i}@shop.test`, `Blue ${i}`)).rows[0].id] = `Blue ${i}`;
      expect((await runOther('expand')).code).toBe(0);
      expect((await runOther('migrate')).code).toBe(0);
      const greenPool = await connect(other.url, 'green');
      for (let i = 1; i <= 5; i++) expected[(await green.insert(greenPool, `g${i}@shop.test`, `Green ${i}`)).rows[0].id] = `Green ${i}`;
      const first = Number(Object.keys(expected)[0]);
      await green.rename(greenPool, first, 'Renamed by green');
      expected[first] = 'Renamed by green';
      // Flip back: green goes away, then abort undoes expand.
      await greenPool.end();
      const aborted = await runOther('abort', '--to', '0005');
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(await blue.read(bluePool)).toEqual(expected);
      const columns = await bluePool.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1`);
      expect(columns.rows.map((r) => r.column_name)).not.toContain('full_name');
      // Blue keeps writing after the abort.
      expect((await blue.insert(bluePool, 'after@shop.test', 'After abort')).rowCount).toBe(1);
      await bluePool.end();
    } finally {
      await other.drop();
    }
  });
});
