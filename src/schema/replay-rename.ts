import { catalogKey, type Catalog, type ObjectName, type TableInfo } from './catalog.js';
import { forgetDependents, partitionsOf } from './dependents.js';
import { sameObject } from './replay-scope.js';

/**
 * Renames or moves a relation (table, view, index or sequence), and every
 * reference the catalog holds to it: indexes and partitions of a table,
 * foreign keys, view dependencies, owned sequences, key constraints' indexes.
 */
export function renameRelation(catalog: Catalog, from: ObjectName, to: ObjectName): void {
  const fromKey = catalogKey(from);
  const toKey = catalogKey(to);
  // Postgres refuses a name another relation of the schema has.
  if (sameObject(from, to) || catalog.tables.has(toKey) || catalog.views.has(toKey) || catalog.indexes.has(toKey) || catalog.sequences.has(toKey)) return;
  forgetDependents(catalog);
  const table = catalog.tables.get(fromKey);
  if (table) {
    catalog.tables.delete(fromKey);
    Object.assign(table, to);
    catalog.tables.set(toKey, table);
  }
  const view = catalog.views.get(fromKey);
  if (view) {
    catalog.views.delete(fromKey);
    Object.assign(view, to);
    catalog.views.set(toKey, view);
  }
  const index = catalog.indexes.get(fromKey);
  if (index) {
    catalog.indexes.delete(fromKey);
    Object.assign(index, to);
    catalog.indexes.set(toKey, index);
    const owner = catalog.tables.get(catalogKey(index.table));
    for (const constraint of owner?.constraints ?? []) if (constraint.index === from.name) constraint.index = to.name;
    if (owner?.replicaIdentityIndex === from.name) owner.replicaIdentityIndex = to.name;
  }
  const sequence = catalog.sequences.get(fromKey);
  if (sequence) {
    catalog.sequences.delete(fromKey);
    Object.assign(sequence, to);
    catalog.sequences.set(toKey, sequence);
  }
  if (!table && !view) return;
  const moved = (name: ObjectName): boolean => sameObject(name, from);
  for (const i of catalog.indexes.values()) if (moved(i.table)) i.table = { ...to };
  for (const s of catalog.sequences.values()) if (s.ownedBy && moved(s.ownedBy.table)) s.ownedBy.table = { ...to };
  for (const t of catalog.tables.values()) {
    if (t.partitionOf && moved(t.partitionOf)) t.partitionOf = { ...to };
    for (const c of t.constraints) if (c.references && moved(c.references.table)) c.references.table = { ...to };
  }
  for (const v of catalog.views.values()) for (const d of v.dependsOn) if (moved(d.table)) d.table = { ...to };
  for (const p of catalog.publications.values()) for (const t of p.tables) if (moved(t.table)) t.table = { ...to };
}

/** RENAME COLUMN: the column, and the keys, references and view dependencies that name it. */
export function renameColumn(catalog: Catalog, table: TableInfo, from: string, to: string): void {
  const column = table.columns.find((c) => c.name === from);
  if (!column || table.columns.some((c) => c.name === to)) return;
  column.name = to;
  const name = { schema: table.schema, name: table.name };
  const swap = (columns: string[]): string[] => columns.map((c) => (c === from ? to : c));
  for (const constraint of table.constraints) {
    constraint.columns = swap(constraint.columns);
    if (constraint.isNotNullCheckOf === from) constraint.isNotNullCheckOf = to;
  }
  for (const index of catalog.indexes.values()) if (sameObject(index.table, name)) index.columns = swap(index.columns);
  for (const other of catalog.tables.values()) {
    for (const c of other.constraints) if (c.references && sameObject(c.references.table, name)) c.references.columns = swap(c.references.columns);
    // Partitions share their parent's columns.
  }
  for (const partition of partitionsOf(catalog, name)) renameColumn(catalog, partition, from, to);
  for (const s of catalog.sequences.values()) if (s.ownedBy && sameObject(s.ownedBy.table, name) && s.ownedBy.column === from) s.ownedBy.column = to;
  for (const v of catalog.views.values()) for (const d of v.dependsOn) if (sameObject(d.table, name) && d.columns) d.columns = swap(d.columns);
  for (const p of catalog.publications.values()) for (const t of p.tables) if (sameObject(t.table, name) && t.columns) t.columns = swap(t.columns);
}
