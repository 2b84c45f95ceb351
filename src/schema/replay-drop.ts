import { catalogKey, type Catalog, type ConstraintInfo, type ObjectName, type TableInfo } from './catalog.js';
import { indexesOn, partitionsOf, sequencesOwnedBy, tablesPointingAt, viewsReading } from './dependents.js';
import type { ReplayScope } from './replay-scope.js';
import { sameObject } from './replay-scope.js';
import { forgetReplicaIdentityIndex, unpublishTable } from './replay-publication.js';

/**
 * DROP TABLE: the table, its indexes, the sequences it owns, its partitions
 * (which go with a partitioned table), and whatever could not outlive it —
 * foreign keys to it and views reading it: had they remained, PostgreSQL would
 * have refused the DROP, so after a migration that ran they are gone (CASCADE).
 */
export function dropTable(catalog: Catalog, table: ObjectName): void {
  const name = { schema: table.schema, name: table.name };
  if (!catalog.tables.has(catalogKey(name))) return;
  const partitions = partitionsOf(catalog, name);
  catalog.tables.delete(catalogKey(name));
  for (const index of indexesOn(catalog, name)) catalog.indexes.delete(catalogKey(index));
  for (const sequence of sequencesOwnedBy(catalog, name)) catalog.sequences.delete(catalogKey(sequence));
  const references = (c: ConstraintInfo): boolean => c.references !== undefined && sameObject(c.references.table, name);
  for (const other of tablesPointingAt(catalog, name)) {
    if (other.constraints.some(references)) other.constraints = other.constraints.filter((c) => !references(c));
  }
  for (const view of viewsReading(catalog, name)) dropView(catalog, view);
  unpublishTable(catalog, name);
  for (const partition of partitions) dropTable(catalog, partition);
}

/** DROP VIEW, and the views built on it. */
export function dropView(catalog: Catalog, view: ObjectName): void {
  const name = { schema: view.schema, name: view.name };
  if (!catalog.views.delete(catalogKey(name))) return;
  for (const index of indexesOn(catalog, name)) catalog.indexes.delete(catalogKey(index));
  for (const other of viewsReading(catalog, name)) dropView(catalog, other);
}

/**
 * DROP COLUMN: the indexes and constraints that use it go with it (PostgreSQL
 * drops them even without CASCADE), so do foreign keys elsewhere that reference
 * it and views that read it (CASCADE; without it the DROP would have failed).
 */
export function dropColumn(scope: ReplayScope, table: TableInfo, column: string): void {
  const catalog = scope.catalog;
  table.columns = table.columns.filter((c) => c.name !== column);
  const name = { schema: table.schema, name: table.name };
  for (const index of indexesOn(catalog, name)) {
    if (!index.columns.includes(column)) continue;
    catalog.indexes.delete(catalogKey(index));
    forgetReplicaIdentityIndex(catalog, index);
    table.constraints = table.constraints.filter((c) => c.index !== index.name);
  }
  table.constraints = table.constraints.filter((c) => !c.columns.includes(column));
  const referencesColumn = (c: ConstraintInfo): boolean => c.references !== undefined && sameObject(c.references.table, name) && c.references.columns.includes(column);
  for (const other of tablesPointingAt(catalog, name)) {
    if (other.constraints.some(referencesColumn)) other.constraints = other.constraints.filter((c) => !referencesColumn(c));
  }
  for (const sequence of sequencesOwnedBy(catalog, name)) if (sequence.ownedBy?.column === column) catalog.sequences.delete(catalogKey(sequence));
  // A publication's column list depends on its columns: dropping one (CASCADE) takes the table out of the publication.
  for (const publication of catalog.publications.values()) {
    publication.tables = publication.tables.filter((t) => !(sameObject(t.table, name) && t.columns?.includes(column)));
  }
  for (const view of viewsReading(catalog, name)) {
    const reads = view.dependsOn.find((d) => sameObject(d.table, name));
    // `SELECT *` was expanded when the view was created: every column of the table then counts as read.
    if (reads?.columns === undefined || reads.columns.includes(column)) dropView(catalog, view);
  }
  for (const partition of partitionsOf(catalog, name)) dropColumn(scope, partition, column);
}

/** DROP CONSTRAINT: a key's or exclusion's index goes with it; so do the partitions' copies. */
export function dropConstraint(scope: ReplayScope, table: TableInfo, name: string): void {
  const constraint = table.constraints.find((c) => c.name === name);
  if (!constraint) return;
  table.constraints = table.constraints.filter((c) => c !== constraint);
  if (constraint.index) {
    scope.catalog.indexes.delete(catalogKey({ schema: table.schema, name: constraint.index }));
    forgetReplicaIdentityIndex(scope.catalog, { schema: table.schema, name: constraint.index, table });
  }
  for (const partition of partitionsOf(scope.catalog, table)) {
    const inherited = partition.constraints.find((c) => c.kind === constraint.kind && c.columns.join() === constraint.columns.join() && (c.name === name || c.index));
    if (inherited) dropConstraint(scope, partition, inherited.name);
  }
}

/** DROP SCHEMA: with CASCADE, everything in it; without, it was empty. */
export function dropSchema(catalog: Catalog, schema: string): void {
  catalog.schemas.delete(schema);
  for (const publication of catalog.publications.values()) publication.schemas = publication.schemas.filter((s) => s !== schema);
  for (const table of [...catalog.tables.values()]) if (table.schema === schema) dropTable(catalog, table);
  for (const view of [...catalog.views.values()]) if (view.schema === schema) dropView(catalog, view);
  for (const map of [catalog.indexes, catalog.enums, catalog.sequences] as Map<string, ObjectName>[]) {
    for (const [k, object] of map) if (object.schema === schema) map.delete(k);
  }
}
