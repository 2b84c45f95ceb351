import { UsageError } from '../errors.js';

/** One query of a pg_stat_statements export, with the 1-based line its record starts on. */
export interface ExportedQuery {
  query: string;
  queryid?: string;
  line: number;
}

/**
 * Reads a pg_stat_statements export: JSON (an array of rows, or an object
 * with a `rows` array, as `psql`/`json_agg` or GUI tools write it) or CSV
 * with a header naming a `query` column (`\copy (SELECT …) TO … CSV HEADER`).
 */
export function readStatStatements(text: string, path: string, format: 'json' | 'csv'): ExportedQuery[] {
  return format === 'json' ? fromJson(text, path) : fromCsv(text, path);
}

function fromJson(text: string, path: string): ExportedQuery[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown })?.rows;
  if (!Array.isArray(rows)) throw new UsageError(`${path}: expected an array of pg_stat_statements rows with a "query" field`);
  // The line of each record: where its n-th "query" key is in the text.
  const keyLines: number[] = [];
  const key = /"query"\s*:/g;
  for (let match = key.exec(text); match; match = key.exec(text)) keyLines.push(lineAt(text, match.index));
  return rows.flatMap((row: unknown, index): ExportedQuery[] => {
    const record = row as { query?: unknown; queryid?: unknown };
    if (typeof record?.query !== 'string') return [];
    return [{ query: record.query, ...(record.queryid !== undefined ? { queryid: String(record.queryid) } : {}), line: keyLines[index] ?? 1 }];
  });
}

function fromCsv(text: string, path: string): ExportedQuery[] {
  const records = parseCsv(text);
  const header = records.shift();
  const queryColumn = header?.cells.findIndex((h) => h.trim().toLowerCase() === 'query') ?? -1;
  if (!header || queryColumn < 0) throw new UsageError(`${path}: expected a CSV header with a "query" column`);
  const idColumn = header.cells.findIndex((h) => h.trim().toLowerCase() === 'queryid');
  return records
    .filter((r) => (r.cells[queryColumn] ?? '').trim() !== '')
    .map((r) => ({ query: r.cells[queryColumn]!, ...(idColumn >= 0 && r.cells[idColumn] ? { queryid: r.cells[idColumn] } : {}), line: r.line }));
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text: string): { cells: string[]; line: number }[] {
  const records: { cells: string[]; line: number }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      if (cells.some((x) => x !== '')) records.push({ cells, line: start });
      cells = [];
      cell = '';
      line++;
      start = line;
    } else cell += c;
  }
  cells.push(cell);
  if (cells.some((x) => x !== '')) records.push({ cells, line: start });
  return records;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
