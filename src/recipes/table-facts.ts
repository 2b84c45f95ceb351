import { UsageError } from '../errors.js';
import type { Catalog, ColumnInfo, IndexInfo, TableInfo } from '../schema/catalog.js';
import { displayName, quoteIdent, type QualifiedName } from '../sql/names.js';

/** The table as the migrations leave it, or undefined when they do not define it. */
export function tableOf(catalog: Catalog, table: QualifiedName): TableInfo | undefined {
  return catalog.table(table);
}

/** The column as the migrations leave it; undefined when the table is not defined there. Fails when the table is known but the column is not. */
export function columnOf(recipe: string, catalog: Catalog, table: QualifiedName, column: string): ColumnInfo | undefined {
  const info = tableOf(catalog, table);
  if (!info) return undefined;
  const found = info.columns.find((c) => c.name === column);
  if (!found) throw new UsageError(`${recipe}: table ${displayName(table)} has no column ${quoteIdent(column)} (per the migrations directory)`);
  return found;
}

/** Fails when the migrations define the table and it already has `column`. */
export function requireNoColumn(recipe: string, catalog: Catalog, table: QualifiedName, column: string): void {
  if (tableOf(catalog, table)?.columns.some((c) => c.name === column)) {
    throw new UsageError(`${recipe}: table ${displayName(table)} already has a column ${quoteIdent(column)}`);
  }
}

/** Fails when the migrations define a constraint or index of that name on the table (or in its schema). */
export function requireNoConstraint(recipe: string, catalog: Catalog, table: QualifiedName, name: string): void {
  const info = tableOf(catalog, table);
  if (info?.constraints.some((c) => c.name === name) || catalog.index({ schema: info?.schema ?? table.schema, name })) {
    throw new UsageError(`${recipe}: ${quoteIdent(name)} exists already on ${displayName(table)}`);
  }
}

/** Indexes of the table that key on `column` (constraint-backed ones included). */
export function indexesOn(catalog: Catalog, table: QualifiedName, column: string): IndexInfo[] {
  const info = tableOf(catalog, table);
  if (!info) return [];
  return catalog.indexesOf({ schema: info.schema, name: info.name }).filter((i) => i.columns.includes(column));
}

/** Whether some valid index of the table starts with exactly these columns (so a foreign key's lookups need no new one). */
export function hasLeadingIndex(catalog: Catalog, table: QualifiedName, columns: readonly string[]): boolean {
  const info = tableOf(catalog, table);
  if (!info) return false;
  return catalog
    .indexesOf({ schema: info.schema, name: info.name })
    .some((i) => i.valid && !i.partial && columns.every((c, n) => i.columns[n] === c));
}

const MAX_IDENTIFIER_BYTES = 63;

/**
 * A name for a new object (constraint, index, trigger), from parts joined by
 * `_`, shortened like PostgreSQL does (the first part cut first) to fit 63 bytes.
 */
export function objectName(...parts: string[]): string {
  const joined = parts.join('_');
  if (Buffer.byteLength(joined) <= MAX_IDENTIFIER_BYTES) return joined;
  const rest = parts.slice(1).join('_');
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(rest) - 1;
  if (room >= 1) return `${parts[0]!.slice(0, room)}_${rest}`;
  return joined.slice(0, MAX_IDENTIFIER_BYTES);
}

/** An object name in the table's schema, as SQL: `billing.orders_total_check` or `orders_total_check`. */
export function inSchemaOf(table: QualifiedName, name: string): string {
  return displayName({ schema: table.schema, name });
}

/** A file-name fragment from identifiers: lower case, runs of other characters as `_`. */
export function slug(...parts: string[]): string {
  return parts
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
