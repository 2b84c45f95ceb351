import type pg from 'pg';
import { displayName, type QualifiedName } from '../../sql/names.js';
import { refusal, type BackfillShape } from './backfill-shape.js';

export interface KeyColumn {
  name: string;
  /** The column's type as `format_type` spells it, for the cursor's casts (`$1::<type>`). */
  type: string;
}

/** The unique key batches walk in order: the primary key, else a unique index on NOT NULL columns. */
export interface TableKey {
  index: string;
  primary: boolean;
  columns: KeyColumn[];
}

export interface ScannedTable {
  schema: string;
  name: string;
  key: TableKey;
  /** `reltuples` (summed over partitions); undefined when the table was never analyzed. */
  estimatedRows: number | undefined;
}

/** Reads the table a backfill walks from pg_catalog, refusing what has no usable key. */
export async function readScannedTable(client: pg.ClientBase, shape: BackfillShape): Promise<ScannedTable> {
  const fail = (reason: string): Error => refusal(shape.verb, shape.target, reason);
  const name = displayName(shape.scanned);
  const relation = await client.query<{ oid: string; relkind: string; schema: string; name: string; inherited: boolean }>(
    `SELECT c.oid::int8::text AS oid, c.relkind::text AS relkind, n.nspname::text AS schema, c.relname::text AS name,
            c.relhassubclass AS inherited
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [name],
  );
  const table = relation.rows[0];
  if (!table) throw fail(`${name} does not exist`);
  switch (table.relkind) {
    case 'r':
    case 'p':
      break;
    case 'v':
      throw fail(`${name} is a view; run the statement on the table behind it`);
    case 'm':
      throw fail(`${name} is a materialized view`);
    default:
      throw fail(`${name} is not a table with an index to walk (relkind ${table.relkind})`);
  }
  // Partitions share the parent's key; plain inheritance children do not.
  if (table.relkind === 'r' && table.inherited && !shape.only) {
    throw fail(`${name} has inheritance children, which its key does not cover`);
  }
  const key = await readKey(client, table.oid);
  if (!key) throw fail(`${name} has no primary key and no unique index on NOT NULL columns to walk in order`);
  return { schema: table.schema, name: table.name, key, estimatedRows: await estimateRows(client, table.oid) };
}

async function readKey(client: pg.ClientBase, oid: string): Promise<TableKey | undefined> {
  // Partial and expression indexes do not cover every row by column values; INCLUDE columns are no key.
  const result = await client.query<{ index: string; primary: boolean; columns: string[]; types: string[] }>(
    `SELECT ic.relname::text AS index, i.indisprimary AS primary,
            array_agg(a.attname::text ORDER BY k.ord) AS columns,
            array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) AS types
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
      CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::int8::oid AND i.indisunique AND i.indisvalid AND i.indisready
        AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
      GROUP BY ic.relname, i.indisprimary
     HAVING bool_and(a.attnotnull)
      ORDER BY i.indisprimary DESC, count(*), ic.relname
      LIMIT 1`,
    [oid],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return { index: row.index, primary: row.primary, columns: row.columns.map((name, i) => ({ name, type: row.types[i]! })) };
}

/** Never a count: a full scan up front is what batching avoids. */
async function estimateRows(client: pg.ClientBase, oid: string): Promise<number | undefined> {
  // pg_partition_tree lists nothing for a table outside a partition tree.
  const result = await client.query<{ rows: number | null }>(
    `SELECT sum(reltuples)::float8 AS rows FROM pg_class
      WHERE reltuples > 0 AND relkind = 'r'
        AND (oid = $1::int8::oid OR oid IN (SELECT relid FROM pg_partition_tree($1::int8::oid) WHERE isleaf))`,
    [oid],
  );
  const rows = result.rows[0]?.rows;
  return rows === null || rows === undefined ? undefined : Math.round(rows);
}

/** `schema.table` as the batches name it (resolved once, so search_path cannot move it between batches). */
export function tableDisplayName(table: ScannedTable): string {
  const name: QualifiedName = { schema: table.schema, name: table.name };
  return displayName(name);
}
