import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import type { Phase } from '../migrations/phase.js';
import { parseSegment } from '../sql/parse-segment.js';
import { cannotRunInTransaction } from '../sql/transaction-block.js';

/** The forward phases, in the order a completed deploy runs them. */
const FORWARD: readonly Phase[] = ['expand', 'migrate', 'contract'];

/** Where applying a history stopped: the file, the 1-based line of the statement, the server's message. */
export class ApplyHistoryError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly serverMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}: ${serverMessage}`, options);
    this.name = 'ApplyHistoryError';
  }
}

/**
 * Applies migrations to a database as a completed deploy leaves it: each
 * file's expand, migrate and contract statements, file after file. A phase of
 * a file that runs in a transaction (native files; foreign files unless their
 * tool's marker says otherwise) runs in one, split around the statements that
 * cannot (`CREATE INDEX CONCURRENTLY`…), which run alone; other files run
 * statement by statement. Statements are sent as the file wrote them (Go
 * templates included: such a file does not apply).
 *
 * This is the minimum needed to measure the replay against PostgreSQL, not the
 * runner: no checkpoints, no lock timeouts, no history table. Throws
 * {@link ApplyHistoryError} at the first statement the server refuses, after
 * rolling back the open transaction.
 */
export async function applyHistory(client: pg.ClientBase, files: readonly MigrationFile[], pgVersion: number): Promise<void> {
  for (const file of files) {
    for (const phase of FORWARD) await applyPhase(client, file, phase, pgVersion);
  }
}

async function applyPhase(client: pg.ClientBase, file: MigrationFile, phase: Phase, pgVersion: number): Promise<void> {
  const statements = file.segments.filter((s) => s.phase === phase).flatMap((s) => parseSegment(file.text, s).statements);
  let open = false;
  for (const statement of statements) {
    const alone = !file.inTransaction || cannotRunInTransaction(statement.kind === 'Invalid' ? undefined : statement.node, pgVersion);
    try {
      if (alone && open) {
        await client.query('COMMIT');
        open = false;
      }
      if (!alone && !open) {
        await client.query('BEGIN');
        open = true;
      }
      await client.query(statement.text);
    } catch (error) {
      if (open) await client.query('ROLLBACK');
      const message = error instanceof Error ? error.message : String(error);
      throw new ApplyHistoryError(file.path, lineOf(file.text, statement.start), message, { cause: error });
    }
  }
  if (open) await client.query('COMMIT');
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
