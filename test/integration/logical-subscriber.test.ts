import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';
import { lint } from '../../src/lint/lint.js';
import { until } from '../support/until.js';

// What changing-published-column warns about, seen on a real subscription: a
// publisher and a subscriber database on one server started with
// wal_level=logical (its own server: the shared one runs without it).
// A column added on the publisher first stops replication at the next row
// change, NULL or not, until the subscriber has the column; added on the
// subscriber first, nothing stops.
const HISTORY = 'CREATE TABLE orders (id int PRIMARY KEY, note text);\nCREATE PUBLICATION shop FOR TABLE orders;\n';

describe('a column added to a published table, against a real subscriber', { timeout: 120_000 }, () => {
  let server: EmbeddedServer;
  const clients: pg.Client[] = [];

  async function connect(database: string): Promise<pg.Client> {
    const url = new URL(server.url);
    url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    clients.push(client);
    return client;
  }

  async function subscribed(name: string): Promise<{ publisher: pg.Client; subscriber: pg.Client; errors: () => Promise<number>; rows: () => Promise<unknown[]> }> {
    const admin = await connect('postgres');
    await admin.query(`CREATE DATABASE pub_${name}`);
    await admin.query(`CREATE DATABASE sub_${name}`);
    const publisher = await connect(`pub_${name}`);
    const subscriber = await connect(`sub_${name}`);
    await publisher.query(HISTORY);
    // Both ends in one cluster: the slot is made by hand, as CREATE SUBSCRIPTION would wait on itself.
    await publisher.query(`SELECT pg_create_logical_replication_slot('sub_${name}', 'pgoutput')`);
    await subscriber.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
    const port = new URL(server.url).port;
    await subscriber.query(
      `CREATE SUBSCRIPTION sub_${name} CONNECTION 'host=127.0.0.1 port=${port} user=postgres password=${server.password} dbname=pub_${name}' PUBLICATION shop WITH (create_slot = false, slot_name = 'sub_${name}', copy_data = false)`,
    );
    const errors = async () => Number((await subscriber.query(`SELECT apply_error_count FROM pg_stat_subscription_stats WHERE subname = 'sub_${name}'`)).rows[0]?.apply_error_count ?? 0);
    const rows = async () => (await subscriber.query('SELECT * FROM orders ORDER BY id')).rows;
    await publisher.query(`INSERT INTO orders VALUES (1, 'before')`);
    await until(async () => (await rows()).length === 1, 'the first row on the subscriber');
    return { publisher, subscriber, errors, rows };
  }

  beforeAll(async () => {
    server = await startEmbeddedPostgres({ prefix: 'pgtandem-logical-', postgresFlags: ['-c', 'wal_level=logical', '-c', 'wal_retrieve_retry_interval=200ms'] });
  });

  afterAll(async () => {
    // A subscription's worker holds its database: drop the subscriptions before the server goes.
    for (const client of clients.reverse()) await client.end().catch(() => {});
    await server?.stop();
  });

  it('lint warns on the migration that, run on the publisher first, stops replication until the subscriber has the column', async () => {
    const migration = '-- pgtandem:expand\nALTER TABLE orders ADD COLUMN discount numeric;\n';
    const result = await lint({
      sources: [
        { path: 'migrations/0001_orders.sql', text: HISTORY, layout: 'native' },
        { path: 'migrations/0002_discount.sql', text: migration, layout: 'native' },
      ],
      configFile: false,
    });
    expect(result.findings.filter((f) => f.rule === 'changing-published-column').map((f) => f.message)).toEqual([
      expect.stringMatching(/^Adding column discount to orders, published by publication shop: .*missing replicated column/),
    ]);

    const { publisher, subscriber, errors, rows } = await subscribed('publisher_first');
    await publisher.query('ALTER TABLE orders ADD COLUMN discount numeric');
    await publisher.query(`INSERT INTO orders VALUES (2, 'after', NULL)`);
    await until(async () => (await errors()) > 0, 'the apply worker to fail');
    expect(await rows()).toEqual([{ id: 1, note: 'before' }]);

    await subscriber.query('ALTER TABLE orders ADD COLUMN discount numeric');
    await until(async () => (await rows()).length === 2, 'replication to resume once the subscriber has the column');
    expect(await rows()).toEqual([
      { id: 1, note: 'before', discount: null },
      { id: 2, note: 'after', discount: null },
    ]);
    await subscriber.query('DROP SUBSCRIPTION sub_publisher_first');
  });

  it('the fix: the column added on the subscriber first, replication never stops', async () => {
    const { publisher, subscriber, errors, rows } = await subscribed('subscriber_first');
    await subscriber.query('ALTER TABLE orders ADD COLUMN discount numeric');
    await publisher.query('ALTER TABLE orders ADD COLUMN discount numeric');
    await publisher.query(`INSERT INTO orders VALUES (2, 'after', 5)`);
    await until(async () => (await rows()).length === 2, 'the second row on the subscriber');
    expect(await errors()).toBe(0);
    expect(await rows()).toEqual([
      { id: 1, note: 'before', discount: null },
      { id: 2, note: 'after', discount: '5' },
    ]);
    await subscriber.query('DROP SUBSCRIPTION sub_subscriber_first');
  });
});
