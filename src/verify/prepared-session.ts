import type pg from 'pg';
import { connect, type Connection } from '../db/connect.js';
import type { Query, QueryFile } from './queries.js';

/**
 * A v1 application session that prepared its queries before the change, as
 * drivers with server-side prepared statements do (pgjdbc after a few
 * executions, prepared-statement caches). After a phase, a query whose
 * result columns changed (a `SELECT *` on a table that gained or lost a
 * column) fails there with "cached plan must not change result type" even
 * though it still prepares fresh.
 */
export class PreparedSession {
  private constructor(
    private readonly connection: Connection,
    private readonly prepared: Map<Query, string>,
  ) {}

  /** Connects to `url` and prepares every query of `file` not in `skip`. */
  static async open(url: string, file: QueryFile, skip: ReadonlySet<Query>): Promise<PreparedSession> {
    const connection = await connect(url, 'pgtandem verify v1 session');
    const prepared = new Map<Query, string>();
    for (const [index, query] of file.queries.entries()) {
      if (skip.has(query)) continue;
      const name = `pgtandem_v1_${index}`;
      try {
        await connection.client.query(`PREPARE ${name} AS ${query.text}`);
        prepared.set(query, name);
      } catch {
        // Checked (and reported) by the fresh PREPARE of checkQueries.
      }
    }
    return new PreparedSession(connection, prepared);
  }

  /** The queries whose cached plan can no longer be used because their result type changed, with Postgres' message. */
  async changedResults(): Promise<{ query: Query; message: string }[]> {
    const changed: { query: Query; message: string }[] = [];
    for (const [query, name] of this.prepared) {
      const message = await explainExecute(this.connection.client, name);
      if (message && /cached plan must not change result type/i.test(message)) changed.push({ query, message });
    }
    return changed;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** `EXPLAIN EXECUTE name(NULL, …)`: builds (or revalidates) the plan without running it; the error message, if any. */
export async function explainExecute(client: pg.ClientBase, name: string): Promise<string | undefined> {
  try {
    const { rows } = await client.query<{ count: number }>(`SELECT cardinality(parameter_types)::int AS count FROM pg_prepared_statements WHERE name = $1`, [name]);
    const nulls = Array.from({ length: rows[0]?.count ?? 0 }, () => 'NULL').join(', ');
    await client.query(`EXPLAIN EXECUTE ${name}${nulls ? `(${nulls})` : ''}`);
    return undefined;
  } catch (error) {
    return (error as { message?: string }).message ?? String(error);
  }
}
