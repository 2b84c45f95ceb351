import type pg from 'pg';
import type { MigrationFile } from '../../src/migrations/migration.js';
import type { BackfillCursor, TransactionRunner } from '../../src/runner/backfill/backfill.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import type { Statement } from '../../src/sql/statement.js';

/** A native migration holding `sql` as its migrate section. */
export function migrateFile(sql: string): MigrationFile {
  return {
    path: 'migrations/0002_backfill.sql',
    layout: 'native',
    version: ['2'],
    name: 'backfill',
    text: sql,
    segments: [{ phase: 'migrate', start: 0, end: sql.length }],
    inTransaction: true,
  };
}

/** The statements of a migrate section (call `loadParser()` first). */
export function statementsOf(sql: string): Statement[] {
  return parseSegment(sql, { phase: 'migrate', start: 0, end: sql.length }).statements;
}

export function statementOf(sql: string): Statement {
  const [statement] = statementsOf(sql);
  if (!statement) throw new Error(`no statement in ${sql}`);
  return statement;
}

/** BEGIN / COMMIT on one client, ROLLBACK when the work throws: the runner's transaction, minus the retries. */
export function simpleTransaction(client: pg.ClientBase, before?: () => Promise<void>): TransactionRunner {
  return async (work, settings) => {
    await before?.();
    await client.query('BEGIN');
    try {
      for (const [name, value] of Object.entries(settings ?? {})) await client.query('SELECT set_config($1, $2, true)', [name, value]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };
}

/** Cursors kept in a table of the test database, written in the batch's transaction as the runner does. */
export class CursorTable {
  constructor(private readonly client: pg.ClientBase) {}

  async create(): Promise<void> {
    await this.client.query('CREATE TABLE IF NOT EXISTS test_cursor (name text PRIMARY KEY, cursor jsonb NOT NULL)');
  }

  saver(name: string): (client: pg.ClientBase, cursor: BackfillCursor) => Promise<void> {
    return async (client, cursor) => {
      await client.query(
        'INSERT INTO test_cursor (name, cursor) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET cursor = EXCLUDED.cursor',
        [name, JSON.stringify(cursor)],
      );
    };
  }

  async read(name: string): Promise<BackfillCursor | undefined> {
    const result = await this.client.query<{ cursor: BackfillCursor }>('SELECT cursor FROM test_cursor WHERE name = $1', [name]);
    return result.rows[0]?.cursor;
  }
}
