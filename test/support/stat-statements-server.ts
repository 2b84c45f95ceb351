import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded-postgres.js';

/**
 * A server of its own with pg_stat_statements loaded, for the usage gate's
 * tests: they reset its statistics, which would disturb any other file's
 * tests on the shared server. One per test file that needs it.
 */
export class StatStatementsServer {
  private constructor(
    private readonly server: EmbeddedServer,
    private readonly admin: pg.Client,
  ) {}

  static async start(): Promise<StatStatementsServer> {
    const server = await startEmbeddedPostgres({ prefix: 'pgtandem-usage-', postgresFlags: ['-c', 'shared_preload_libraries=pg_stat_statements'] });
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    return new StatStatementsServer(server, admin);
  }

  /** A fresh database (owned by `owner` when given), with the extension created unless `extension: false`; its superuser URL. */
  async database(name: string, options: { extension?: boolean; owner?: string } = {}): Promise<string> {
    await this.admin.query(`CREATE DATABASE ${name}${options.owner ? ` OWNER ${options.owner}` : ''}`);
    const url = this.url(name);
    if (options.extension !== false) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('CREATE EXTENSION pg_stat_statements');
      await client.end();
    }
    return url;
  }

  /** The URL of a database, as the superuser or as another role. */
  url(database: string, role?: { user: string; password: string }): string {
    const url = new URL(this.server.url);
    url.pathname = `/${database}`;
    if (role) {
      url.username = role.user;
      url.password = role.password;
    }
    return url.toString();
  }

  query(sql: string): Promise<pg.QueryResult> {
    return this.admin.query(sql);
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => {});
    await this.server.stop();
  }
}

/** An application instance: one connection running `sql` (with `params`) every few milliseconds until stopped. */
export async function startApp(url: string, sql: string, params: unknown[] = [], applicationName = 'shop@v2'): Promise<{ calls: () => number; stop: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  let running = true;
  let calls = 0;
  const loop = (async () => {
    while (running) {
      await client.query(sql, params);
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    calls: () => calls,
    async stop() {
      running = false;
      await loop;
      await client.end();
    },
  };
}
