import type { Catalog } from '../schema/catalog.js';
import { displayName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import { tableLocks } from './lock-level.js';

/** What a live database says about the size of the tables a statement locks. */
export interface SizeNote {
  /** `users (~12.4M rows, 4.1 GB)`, one entry per table, for the finding's message. */
  text: string;
  /** Every table it locks is under `smallTableRows`: the lock or rewrite is brief. */
  small: boolean;
}

/**
 * Sizes of the tables `statement` locks, when the catalog has them for every
 * one (only a catalog read from a live database does). Undefined otherwise:
 * a guess would be worse than saying nothing.
 */
export function sizeNote(statement: Statement, catalog: Catalog, searchPath: readonly string[], smallTableRows: number): SizeNote | undefined {
  const locks = tableLocks(statement, { catalog, searchPath });
  if (locks.length === 0) return undefined;
  const sized = locks.map((lock) => ({ lock, table: catalog.table(lock.table, searchPath) }));
  if (sized.some(({ table }) => table?.size === undefined)) return undefined;
  const text = sized
    .map(({ lock, table }) => {
      const count = table!.size!.rows;
      // PostgreSQL 14+ reports -1 (here: undefined) rows for a table never vacuumed or analyzed.
      return `${displayName(lock.table)} (${count === undefined ? 'rows not yet counted' : `~${rows(count)} rows`}, ${bytes(table!.size!.bytes)})`;
    })
    .join(', ');
  return { text, small: sized.every(({ table }) => table!.size!.rows !== undefined && table!.size!.rows < smallTableRows) };
}

function rows(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}

function bytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
