import type pg from 'pg';
import { UsageError } from '../errors.js';
import { quoteIdent } from '../sql/names.js';
import { readSeedTables, type SeedTable } from './seed-catalog.js';
import { offsetColumns, seedInsert, type SeedInsertOptions } from './seed-insert.js';
import { seedOrder } from './seed-order.js';

/** What the seed did to one table. */
export interface SeededTable {
  /** `name`, or `schema.name` outside public. */
  table: string;
  /** Rows inserted (0 when skipped). */
  rows: number;
  /** Why nothing was inserted: one line. */
  skipped?: string;
  /** Why fewer rows than asked, or with every nullable column NULL. */
  note?: string;
}

/** The rows asked per table, and each table's outcome in the order they were filled. */
export interface SeedReport {
  rows: number;
  tables: SeededTable[];
}

/**
 * Fills every user table (partitioned tables through their root; not
 * extension tables) with `rows` synthetic rows that satisfy its types and
 * constraints, parents before children, in one transaction of its own; then
 * ANALYZEs what it filled so the planner sees real sizes. Nullable columns
 * are NULL on every 10th row, so that `SET NOT NULL` without a backfill fails
 * as it would in production.
 *
 * A table whose rows fail is retried once with every nullable column NULL;
 * if that fails too (a domain CHECK, a trigger, a type without a generator
 * on a NOT NULL column) it is skipped with Postgres' reason. The client must
 * not be inside a transaction.
 */
export async function seedDatabase(client: pg.ClientBase, rows: number): Promise<SeedReport> {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new UsageError(`seed rows must be a positive integer, not ${rows}`);
  const tables = await readSeedTables(client);
  const { ordered, nulled, cyclic } = seedOrder(tables);
  const report: SeededTable[] = [];
  const filled: SeedTable[] = [];
  await client.query('BEGIN');
  try {
    for (const table of ordered) {
      const outcome = await seedTable(client, table, rows, nulled.get(table.oid) ?? new Set());
      report.push({ table: display(table), ...outcome });
      if (outcome.rows > 0) filled.push(table);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  for (const table of cyclic) report.push({ table: display(table), rows: 0, skipped: 'in a cycle of NOT NULL foreign keys' });
  for (const table of filled) await client.query(`ANALYZE ${qualified(table)}`);
  return { rows, tables: report };
}

async function seedTable(client: pg.ClientBase, table: SeedTable, rows: number, nulled: ReadonlySet<string>): Promise<Omit<SeededTable, 'table'>> {
  const offsets = await maxima(client, table);
  const attempt = async (mode: SeedInsertOptions['mode']): Promise<{ rows: number } | { reason: string }> => {
    const insert = seedInsert(table, { rows, nulled, offsets, mode });
    if ('reason' in insert) return insert;
    await client.query('SAVEPOINT pgtandem_seed');
    try {
      const result = await client.query(insert.sql);
      await client.query('RELEASE SAVEPOINT pgtandem_seed');
      return { rows: result.rowCount ?? 0 };
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT pgtandem_seed');
      return { reason: firstLine(error) };
    }
  };
  const full = await attempt('full');
  const retried = 'rows' in full && full.rows > 0 ? undefined : await attempt('required');
  const best = retried && 'rows' in retried && retried.rows > 0 ? retried : full;
  if (!('rows' in best)) return { rows: 0, skipped: best.reason };
  if (best.rows === 0) return { rows: 0, skipped: 'every generated row was rejected by its CHECK constraints, partition bounds or unique keys' };
  const notes: string[] = [];
  if (best === retried) notes.push(`nullable columns left NULL: the full rows ${'reason' in full ? `failed (${full.reason})` : 'were all rejected'}`);
  if (best.rows < rows) notes.push(`${rows - best.rows} generated rows rejected by its CHECK constraints, partition bounds or unique keys`);
  return { rows: best.rows, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

/** The largest value already in each integer column of a unique key (rows the history inserted). */
async function maxima(client: pg.ClientBase, table: SeedTable): Promise<Map<string, bigint>> {
  const columns = offsetColumns(table);
  if (columns.length === 0) return new Map();
  const select = columns.map((c, i) => `coalesce(floor(max(${quoteIdent(c.name)})), 0)::bigint AS m${i}`).join(', ');
  const { rows } = await client.query<Record<string, string>>(`SELECT ${select} FROM ${qualified(table)}`);
  return new Map(columns.map((c, i) => [c.name, BigInt(rows[0]![`m${i}`] ?? '0')]).filter(([, m]) => (m as bigint) > 0n) as [string, bigint][]);
}

function qualified(table: SeedTable): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

function display(table: SeedTable): string {
  return table.schema === 'public' ? table.name : `${table.schema}.${table.name}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!;
}
