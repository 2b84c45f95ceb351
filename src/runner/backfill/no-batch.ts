import type { MigrationFile } from '../../migrations/migration.js';
import type { Statement } from '../../sql/statement.js';

const NO_BATCH = /^\s*--\s*pgtandem:\s*no-batch\s*(?:$|--|:)/i;

/**
 * Whether `-- pgtandem:no-batch` stands on a line of its own in the run of
 * comment (or blank) lines right above the statement. Any code in between —
 * another statement, or code before the statement on its own line — breaks the run.
 */
export function hasNoBatchDirective(file: MigrationFile, statement: Statement): boolean {
  const text = file.text;
  const lineStart = text.lastIndexOf('\n', statement.start - 1) + 1;
  if (text.slice(lineStart, statement.start).trim() !== '') return false;
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (NO_BATCH.test(line)) return true;
    if (line.trim() !== '' && !/^\s*--/.test(line)) return false;
    end = start - 1;
  }
  return false;
}
