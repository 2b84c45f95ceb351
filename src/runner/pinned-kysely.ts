import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * A Kysely instance whose every query runs on one already-connected client.
 * The runner's state writes must share the connection — and the open
 * transaction — of the migration statements they checkpoint, and the session
 * advisory lock lives on that connection too; a pool would hand out others.
 */
export function pinnedKysely<Database>(client: pg.ClientBase): Kysely<Database> {
  const connection = {
    query: (sql: string, parameters: readonly unknown[]) => client.query(sql, parameters as unknown[]),
    release: () => {},
  } as unknown as PostgresPoolClient;
  const pool: PostgresPool = { connect: async () => connection, end: async () => {} };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
