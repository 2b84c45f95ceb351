import type pg from 'pg';
import type { Layout, MigrationFile } from '../migrations/migration.js';

/** The migration tools whose own history tables pgtandem reads. */
export const HISTORY_TOOLS = ['prisma', 'flyway', 'golang-migrate', 'goose', 'dbmate', 'drizzle', 'diesel', 'popx'] as const;
export type HistoryTool = (typeof HISTORY_TOOLS)[number];

/** A migration file with its bytes as the tool hashed them (a byte-order mark included). */
export interface ToolFile {
  file: MigrationFile;
  /** Absolute path of the file. */
  absolutePath: string;
  bytes: Uint8Array;
}

/** What the tool's table says of one file. */
export interface FileVerdict {
  file: MigrationFile;
  /** The tool finished it and has not undone it. */
  applied: boolean;
  /** Why it is not applied though the table names it (failed, dirty, rolled back, skipped). */
  problem?: string;
  /** The checksum the tool recorded differs from the file's now. */
  checksumMismatch?: { recorded: string; file: string };
  /** When the tool applied it, where it says (ISO 8601). */
  appliedAt?: string;
  /** How the table says so, when it is not a row of its own (Flyway's baseline row). */
  note?: string;
}

/** One tool's history table as found in the database, and its account of the files. */
export interface ToolHistory {
  tool: HistoryTool;
  /** `schema.table`, as found. */
  table: string;
  verdicts: FileVerdict[];
  /** Entries of the table that no file matches (the tool applied a migration whose file is gone). */
  orphans: string[];
}

/** Where a tool's table lives, and how one recognises it among same-named tables. */
export interface ToolTable {
  tool: HistoryTool;
  name: string;
  /** The schema the tool uses by default when not the one on search_path (Drizzle's `drizzle`). */
  schema?: string;
  /** Columns the table must have (tells golang-migrate's schema_migrations from dbmate's). */
  columns: readonly string[];
  /** Columns it must not have. */
  without?: readonly string[];
}

export const TOOL_TABLES: Readonly<Record<HistoryTool, ToolTable>> = {
  prisma: { tool: 'prisma', name: '_prisma_migrations', columns: ['migration_name', 'checksum', 'finished_at', 'rolled_back_at'] },
  flyway: { tool: 'flyway', name: 'flyway_schema_history', columns: ['installed_rank', 'version', 'script', 'checksum', 'success', 'type'] },
  'golang-migrate': { tool: 'golang-migrate', name: 'schema_migrations', columns: ['version', 'dirty'] },
  goose: { tool: 'goose', name: 'goose_db_version', columns: ['id', 'version_id', 'is_applied'] },
  dbmate: { tool: 'dbmate', name: 'schema_migrations', columns: ['version'], without: ['dirty'] },
  drizzle: { tool: 'drizzle', name: '__drizzle_migrations', schema: 'drizzle', columns: ['hash', 'created_at'] },
  diesel: { tool: 'diesel', name: '__diesel_schema_migrations', columns: ['version', 'run_on'] },
  popx: { tool: 'popx', name: 'schema_migration', columns: ['version'] },
};

/** The tools that may apply a folder of this layout, most likely first; none for pgtandem's own and plain files. */
export const TOOLS_OF_LAYOUT: Readonly<Record<Layout, readonly HistoryTool[]>> = {
  native: [],
  plain: [],
  prisma: ['prisma'],
  flyway: ['flyway'],
  'golang-migrate': ['golang-migrate', 'popx'],
  popx: ['popx'],
  goose: ['goose'],
  dbmate: ['dbmate'],
  drizzle: ['drizzle'],
  diesel: ['diesel'],
};

/** The command a user knows each tool by. */
export const TOOL_COMMAND: Readonly<Record<HistoryTool, string>> = {
  prisma: 'prisma migrate deploy',
  flyway: 'flyway migrate',
  'golang-migrate': 'migrate up (golang-migrate)',
  goose: 'goose up',
  dbmate: 'dbmate up',
  drizzle: 'drizzle-kit migrate',
  diesel: 'diesel migration run',
  popx: 'popx (migrate sql)',
};

/**
 * Finds a tool's table: on search_path first, then in the tool's default
 * schema, then anywhere; only a table with the columns that tool writes.
 * Returns the quoted `schema.table` to query and its display name.
 */
export async function findToolTable(client: pg.ClientBase, table: ToolTable): Promise<{ sql: string; display: string } | undefined> {
  const { rows } = await client.query<{ schema: string; columns: string[] }>(
    `SELECT n.nspname AS schema, array_agg(a.attname::text) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relname = $1 AND c.relkind IN ('r', 'p')
      GROUP BY n.nspname
      ORDER BY n.nspname = ANY (current_schemas(false)) DESC, n.nspname = $2 DESC, n.nspname`,
    [table.name, table.schema ?? ''],
  );
  const found = rows.find((r) => table.columns.every((c) => r.columns.includes(c)) && !(table.without ?? []).some((c) => r.columns.includes(c)));
  if (!found) return undefined;
  return { sql: `${quote(found.schema)}.${quote(table.name)}`, display: `${found.schema}.${table.name}` };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
