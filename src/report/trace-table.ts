/** One traced statement as the table shows it (src/verify's StatementTrace, reduced). */
export interface TraceRow {
  phase: string;
  file: string;
  line: number;
  text: string;
  /** Strongest table lock the statement took or ran under, with its table (`ACCESS EXCLUSIVE on users (held)`), or empty. */
  lock: string;
  blocks: 'reads and writes' | 'writes' | 'nothing';
  rewrite: string;
  ms: number;
  /** The lock was predicted, not read from pg_locks (the statement runs outside a transaction). */
  predicted: boolean;
  failed: boolean;
}

const STATEMENT_WIDTH = 48;

/** The per-statement table verify's pretty output shows above the findings: statement → lock → blocks → rewrite → ms. */
export function formatTraceTable(rows: readonly TraceRow[]): string {
  if (rows.length === 0) return 'No statements traced.\n';
  const header = ['phase', 'statement', 'strongest lock', 'blocks', 'rewrite', 'ms'];
  const body = rows.map((row) => [
    row.phase,
    `${row.file}:${row.line} ${truncate(firstLine(row.text), STATEMENT_WIDTH)}`,
    row.failed ? 'FAILED' : `${row.lock || '—'}${row.predicted && row.lock ? ' (predicted)' : ''}`,
    row.failed ? '' : row.blocks,
    row.rewrite || 'no',
    row.ms < 10 ? row.ms.toFixed(1) : String(Math.round(row.ms)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => [...cells[i]!].length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}

function firstLine(text: string): string {
  const lines = text.split(/\r\n|\r|\n/).map((l) => l.trim());
  const first = lines[0] ?? '';
  return lines.length > 1 ? `${first} …` : first;
}

function truncate(text: string, width: number): string {
  const chars = [...text.replace(/[\u0000-\u001f\u007f]/g, ' ')];
  return chars.length <= width ? chars.join('') : `${chars.slice(0, width - 1).join('')}…`;
}
