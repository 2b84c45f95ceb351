import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import type { Catalog } from '../schema/catalog.js';
import { compareCatalogs, type CatalogDifference } from '../schema/compare-catalogs.js';
import { readCatalog } from '../schema/read-catalog.js';
import { replayMigrations } from '../schema/replay-catalog.js';

/** How the live database compares with the schema the adopted files make. */
export interface SchemaCheck {
  /** Objects compared (tables with their columns and constraints, indexes, enums, views, sequences, schemas). */
  objects: number;
  /** What the files create and the database lacks. */
  missing: string[];
  /** What both have, with a difference (type, nullability, default, validity, …). */
  differs: string[];
  /** What the database has and the files do not create (another tool's objects, a hotfix): listed, not refused. */
  extra: string[];
}

/**
 * Replays `files` (the migrations the database should have run, in order)
 * and compares the result with the live catalog, leaving out pgtandem's own
 * schema and the migration tools' history tables. Reads only.
 */
export async function checkSchema(client: pg.ClientBase, files: readonly MigrationFile[], toolTables: readonly string[]): Promise<SchemaCheck> {
  const live = withoutBookkeeping(await readCatalog(client), toolTables);
  const replayed = replayMigrations(files);
  const comparison = compareCatalogs(replayed, live);
  const check: SchemaCheck = { objects: comparison.items, missing: [], differs: [], extra: [] };
  for (const d of comparison.differences) {
    if (d.field === 'exists') (d.expected ? check.missing : check.extra).push(`${d.kind} ${d.name}`);
    else check.differs.push(describe(d));
  }
  return check;
}

function describe(d: CatalogDifference): string {
  return `${d.kind} ${d.name} ${d.field}: the files make ${JSON.stringify(d.expected)}, the database has ${JSON.stringify(d.actual)}`;
}

/** The live catalog less what migration bookkeeping creates: schema `pgtandem` and each tool's history table (`schema.table`). */
function withoutBookkeeping(catalog: Catalog, toolTables: readonly string[]): Catalog {
  const dropped = new Set(toolTables);
  const droppedSchemas = new Set(['pgtandem']);
  for (const [key, table] of catalog.tables) {
    if (table.schema === 'pgtandem') dropped.add(key);
  }
  for (const key of dropped) catalog.tables.delete(key);
  const inDropped = (schema: string, name: string): boolean => droppedSchemas.has(schema) || dropped.has(`${schema}.${name}`);
  for (const [key, index] of catalog.indexes) if (inDropped(index.table.schema, index.table.name)) catalog.indexes.delete(key);
  for (const [key, sequence] of catalog.sequences) {
    if (droppedSchemas.has(sequence.schema) || (sequence.ownedBy && inDropped(sequence.ownedBy.table.schema, sequence.ownedBy.table.name))) catalog.sequences.delete(key);
  }
  for (const map of [catalog.views, catalog.enums]) for (const [key, object] of map) if (droppedSchemas.has(object.schema)) map.delete(key);
  // A schema that only held bookkeeping (Drizzle's `drizzle`) goes with it.
  for (const schema of [...catalog.schemas]) {
    const holdsBookkeeping = droppedSchemas.has(schema) || [...dropped].some((key) => key.startsWith(`${schema}.`));
    const holdsOther = [...catalog.tables.values(), ...catalog.views.values(), ...catalog.enums.values(), ...catalog.sequences.values()].some((o) => o.schema === schema);
    if (holdsBookkeeping && !holdsOther && schema !== 'public') catalog.schemas.delete(schema);
  }
  return catalog;
}
