import type pg from 'pg';
import type { MigrationFile } from '../../src/migrations/migration.js';
import type { Phase } from '../../src/migrations/phase.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { cannotRunInTransaction } from '../../src/sql/transaction-block.js';

/**
 * Applies one phase of a native migration the way DESIGN.md §2 says the
 * runner will: one transaction, split around statements that cannot run in
 * one, which run alone. (The runner itself is a later issue; this is the
 * minimum the example migrations need to be proven against a real server.)
 */
export async function applyPhase(client: pg.Client, file: MigrationFile, phase: Phase, pgVersion: number): Promise<number> {
  const statements = file.segments.filter((s) => s.phase === phase).flatMap((s) => parseSegment(file.text, s).statements);
  let open = false;
  for (const statement of statements) {
    if (statement.kind === 'Invalid') throw new Error(`${file.path}: invalid statement: ${statement.error?.message}`);
    if (cannotRunInTransaction(statement.node, pgVersion)) {
      if (open) await client.query('COMMIT');
      open = false;
      await client.query(statement.text);
      continue;
    }
    if (!open) await client.query('BEGIN');
    open = true;
    await client.query(statement.text);
  }
  if (open) await client.query('COMMIT');
  return statements.length;
}
