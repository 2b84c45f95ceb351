import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import { isTransactionControl } from '../sql/transaction-block.js';

/**
 * A Kysely instance whose every query runs on one already-connected client.
 * The runner's state writes must share the connection — and the open
 * transaction — of the migration statements they checkpoint, and the session
 * advisory lock lives on that connection too; a pool would hand out others.
 */
export function pinnedKysely<Database>(client: pg.ClientBase): Kysely<Database> {
  return kyselyOn((sql, parameters) => client.query(sql, parameters as unknown[]));
}


/**
 * The `db` a TypeScript/JavaScript migration's phase function receives: pinned
 * to the runner's connection, inside the transaction the runner opened (with
 * its timeouts) and commits together with the checkpoint. The function must
 * not end that transaction: `db.transaction()` and a raw BEGIN / COMMIT /
 * ROLLBACK are refused with an error (savepoints are fine).
 */
export function scriptKysely(client: pg.ClientBase): Kysely<any> {
  return kyselyOn((sql, parameters) => {
    if (isTransactionControl(sql)) {
      return Promise.reject(
        new Error(`"${sql.trim().split(/\s+/)[0]}" refused: a migration's phase function runs inside the runner's transaction, which the runner commits; do not use db.transaction(), BEGIN, COMMIT or ROLLBACK (savepoints are fine)`),
      );
    }
    return client.query(sql, parameters as unknown[]);
  });
}

function kyselyOn<Database>(query: (sql: string, parameters: readonly unknown[]) => Promise<unknown>): Kysely<Database> {
  const connection = {
    query,
    release: () => {},
  } as unknown as PostgresPoolClient;
  const pool: PostgresPool = { connect: async () => connection, end: async () => {} };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
