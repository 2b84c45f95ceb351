import type pg from 'pg';
import { CDC_PUBLICATIONS } from '../schema/replica-identity.js';

/** One column a publication sends, by the table's `schema.name` and the column's number (a rename keeps it). */
export interface PublishedColumn {
  table: string;
  attnum: number;
  name: string;
  type: string;
  publications: string[];
}

/** `table:attnum` → the column: what the database's publications send, as of now. */
export type PublishedColumns = ReadonlyMap<string, PublishedColumn>;

/**
 * The columns that publications sending row changes publish: every column of
 * a table they publish whole, the listed ones of a column list (PostgreSQL 15
 * and later; before it there are no lists). Publications that a change-data-
 * capture service reads (`supabase_realtime`, `dbz_publication`) are left out,
 * as lint's changing-published-column leaves them. One query.
 */
export async function publishedColumns(client: pg.ClientBase, majorVersion: number): Promise<PublishedColumns> {
  const listed = majorVersion >= 15 ? '(pt.attnames IS NULL OR a.attname = ANY (pt.attnames))' : "a.attgenerated = ''";
  const { rows } = await client.query<PublishedColumn>(
    `SELECT pt.schemaname || '.' || pt.tablename AS table, a.attnum, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, array_agg(DISTINCT pt.pubname::text ORDER BY pt.pubname::text) AS publications
       FROM pg_publication_tables pt
       JOIN pg_publication p ON p.pubname = pt.pubname
       JOIN pg_attribute a ON a.attrelid = (quote_ident(pt.schemaname) || '.' || quote_ident(pt.tablename))::regclass
      WHERE a.attnum > 0 AND NOT a.attisdropped AND (p.pubinsert OR p.pubupdate OR p.pubdelete)
        AND NOT (pt.pubname = ANY ($1)) AND ${listed}
      GROUP BY 1, 2, 3, 4`,
    [[...CDC_PUBLICATIONS]],
  );
  return new Map(rows.map((row) => [`${row.table}:${row.attnum}`, row]));
}

/** How a published column changed between two snapshots, for a finding. */
export interface PublishedColumnChange {
  table: string;
  /** The column's names before and after, to find the statement that changed it. */
  columns: string[];
  message: string;
}

/**
 * The changes subscribers cannot apply until they make them too: a column the
 * publications now send that they did not (added, or newly in a column list),
 * one renamed, one whose type changed. Tables that were not published before
 * are left out: a subscription only takes a table on at its next REFRESH.
 * Columns no longer sent break nothing: subscribers fill theirs with NULL or
 * their default.
 */
export function publishedColumnChanges(before: PublishedColumns, after: PublishedColumns): PublishedColumnChange[] {
  const tablesBefore = new Set([...before.values()].map((c) => c.table));
  const changes: PublishedColumnChange[] = [];
  for (const [key, column] of after) {
    if (!tablesBefore.has(column.table)) continue;
    const was = before.get(key);
    const by = `publication${column.publications.length === 1 ? '' : 's'} ${column.publications.join(', ')}`;
    const stops = 'a subscriber stops applying every change after it (its apply worker fails and retries) until it has made the same change';
    if (!was) {
      changes.push({ table: column.table, columns: [column.name], message: `${column.table}.${column.name} (${column.type}) is now sent by ${by}: ${stops} ("missing replicated column")` });
    } else if (was.name !== column.name) {
      changes.push({ table: column.table, columns: [was.name, column.name], message: `${column.table}.${was.name}, sent by ${by}, is now named ${column.name}: ${stops} ("missing replicated column")` });
    } else if (was.type !== column.type) {
      changes.push({ table: column.table, columns: [column.name], message: `${column.table}.${column.name}, sent by ${by}, changed type from ${was.type} to ${column.type}: once a value does not convert to the subscriber's type, ${stops}` });
    }
  }
  return changes;
}
