import type pg from 'pg';
import {
  Catalog,
  catalogKey,
  type ColumnInfo,
  type ConstraintInfo,
  type ConstraintKind,
  type ObjectName,
  type PublicationInfo,
  type PublishedAction,
  type PublishedTable,
  type TableInfo,
  type ViewInfo,
} from './catalog.js';
import {
  COLUMNS,
  CONSTRAINTS,
  ENUMS,
  INDEXES,
  PUBLICATION_SCHEMAS,
  PUBLICATIONS,
  publicationTablesQuery,
  relationsQuery,
  SCHEMAS,
  SEQUENCE_OWNERS,
  VIEW_DEPENDENCIES,
  type ServerFeatures,
} from './catalog-queries.js';

export interface ReadCatalogOptions {
  /** Read only these schemas (folded names); default: every schema but the system ones. */
  schemas?: string[];
}

/**
 * Reads a live database's schema into a {@link Catalog}: schemas, tables and
 * partitions with their columns, constraints and sizes, indexes, enum types,
 * views with the columns they read, sequences with their owning column, each
 * table's replica identity, and publications with the tables and schemas they publish.
 *
 * Everything is read in one `REPEATABLE READ READ ONLY` transaction, so the
 * queries see one snapshot and the server refuses any write; the transaction is
 * rolled back, never committed. `search_path` is set to `public` for the
 * transaction only, so types and expressions read the same whatever the
 * session's path: as the default path shows them, `mood` for a type in
 * public, `billing.state` for one elsewhere (the replay's form). Works with PostgreSQL 12 to 18.
 *
 * A query error rolls the transaction back and is rethrown as the driver raised
 * it. The client must not be inside a transaction already.
 */
export async function readCatalog(client: pg.ClientBase, options: ReadCatalogOptions = {}): Promise<Catalog> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query('SET LOCAL search_path = public');
    const version = await client.query<{ version: string }>(`SELECT current_setting('server_version_num') AS version`);
    const features: ServerFeatures = { versionNum: Number(version.rows[0]!.version) };
    const catalog = await readAll(client, features, options);
    catalog.serverVersionNum = features.versionNum;
    return catalog;
  } finally {
    // Read-only: nothing to commit. A failed query has aborted the transaction, and ROLLBACK ends it either way.
    await client.query('ROLLBACK');
  }
}

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  kind: 'r' | 'p' | 'v' | 'm' | 'S';
  replica_identity: 'd' | 'n' | 'f' | 'i';
  parent_schema: string | null;
  parent_name: string | null;
  rows: number | null;
  bytes: string | null;
}

async function readAll(client: pg.ClientBase, features: ServerFeatures, options: ReadCatalogOptions): Promise<Catalog> {
  const catalog = new Catalog();
  catalog.schemas.clear();
  const schemas = (await client.query<{ name: string }>(SCHEMAS, [options.schemas ?? null])).rows.map((r) => r.name);
  for (const schema of schemas) catalog.schemas.add(schema);

  const relations = (await client.query<RelationRow>(relationsQuery(features), [schemas])).rows;
  const tables = new Map<string, TableInfo>();
  const views = new Map<string, ViewInfo>();
  const sequences: RelationRow[] = [];
  for (const row of relations) {
    const name: ObjectName = { schema: row.schema, name: row.name };
    if (row.kind === 'r' || row.kind === 'p') {
      const table = tableOf(row);
      tables.set(row.oid, table);
      catalog.tables.set(catalogKey(name), table);
    } else if (row.kind === 'v' || row.kind === 'm') {
      const view: ViewInfo = { ...name, materialized: row.kind === 'm', dependsOn: [] };
      views.set(row.oid, view);
      catalog.views.set(catalogKey(name), view);
    } else {
      sequences.push(row);
      catalog.sequences.set(catalogKey(name), { ...name });
    }
  }

  const tableOids = [...tables.keys()];
  await readColumns(client, tableOids, tables);
  await readConstraints(client, tableOids, tables);
  // Materialized views have indexes too.
  const indexed = new Map<string, ObjectName>([...tables, ...[...views].filter(([, v]) => v.materialized)]);
  await readIndexes(client, indexed, catalog);
  await readEnums(client, schemas, catalog);
  await readViewDependencies(client, views);
  await readSequenceOwners(client, sequences, catalog);
  await readPublications(client, features, catalog);
  return catalog;
}

function tableOf(row: RelationRow): TableInfo {
  const table: TableInfo = {
    schema: row.schema,
    name: row.name,
    kind: row.kind === 'p' ? 'partitioned table' : 'table',
    columns: [],
    constraints: [],
  };
  if (row.parent_schema !== null && row.parent_name !== null) table.partitionOf = { schema: row.parent_schema, name: row.parent_name };
  if (row.replica_identity === 'f') table.replicaIdentity = 'full';
  if (row.replica_identity === 'n') table.replicaIdentity = 'nothing';
  if (row.replica_identity === 'i') table.replicaIdentity = 'index';
  const size: NonNullable<TableInfo['size']> = { bytes: Number(row.bytes ?? 0) };
  if (row.rows !== null) size.rows = Math.max(0, Math.round(row.rows));
  table.size = size;
  return table;
}

async function readColumns(client: pg.ClientBase, oids: string[], tables: Map<string, TableInfo>): Promise<void> {
  const { rows } = await client.query<{
    relid: string;
    name: string;
    type: string;
    not_null: boolean;
    identity: string;
    generated: string;
    default_expr: string | null;
    default_volatile: boolean | null;
  }>(COLUMNS, [oids]);
  for (const row of rows) {
    const column: ColumnInfo = { name: row.name, type: row.type, notNull: row.not_null };
    // For a generated column the default slot holds the generation expression, as in the replay:
    // either way the column gets a value without the INSERT giving one.
    if (row.default_expr !== null) {
      column.default = row.default_expr;
      column.defaultVolatile = row.default_volatile === true;
    }
    if (row.generated === 's') column.generated = 'stored';
    if (row.generated === 'v') column.generated = 'virtual';
    if (row.identity === 'a') column.identity = 'always';
    if (row.identity === 'd') column.identity = 'by default';
    tables.get(row.relid)?.columns.push(column);
  }
}

const CONSTRAINT_KINDS: Record<string, ConstraintKind> = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
};

async function readConstraints(client: pg.ClientBase, oids: string[], tables: Map<string, TableInfo>): Promise<void> {
  const { rows } = await client.query<{
    relid: string;
    name: string;
    kind: string;
    validated: boolean;
    columns: string[];
    ref_schema: string | null;
    ref_table: string | null;
    ref_columns: string[];
    expression: string | null;
    not_null_check_of: string | null;
    index_name: string | null;
  }>(CONSTRAINTS, [oids]);
  for (const row of rows) {
    const constraint: ConstraintInfo = {
      name: row.name,
      kind: CONSTRAINT_KINDS[row.kind]!,
      columns: row.columns,
      validated: row.validated,
    };
    if (row.ref_schema !== null && row.ref_table !== null) {
      constraint.references = { table: { schema: row.ref_schema, name: row.ref_table }, columns: row.ref_columns };
    }
    if (row.expression !== null) constraint.expression = row.expression;
    if (row.not_null_check_of !== null) constraint.isNotNullCheckOf = row.not_null_check_of;
    if (row.index_name !== null) constraint.index = row.index_name;
    tables.get(row.relid)?.constraints.push(constraint);
  }
}

async function readIndexes(client: pg.ClientBase, relations: Map<string, ObjectName>, catalog: Catalog): Promise<void> {
  const { rows } = await client.query<{
    relid: string;
    schema: string;
    name: string;
    unique: boolean;
    primary: boolean;
    valid: boolean;
    partial: boolean;
    method: string;
    columns: string[];
    replica_identity: boolean;
  }>(INDEXES, [[...relations.keys()]]);
  for (const row of rows) {
    const table = relations.get(row.relid);
    if (!table) continue;
    const owner = catalog.tables.get(catalogKey(table));
    if (row.replica_identity && owner?.replicaIdentity === 'index') owner.replicaIdentityIndex = row.name;
    catalog.indexes.set(catalogKey(row), {
      schema: row.schema,
      name: row.name,
      table: { schema: table.schema, name: table.name },
      unique: row.unique,
      primary: row.primary,
      valid: row.valid,
      columns: row.columns,
      partial: row.partial,
      method: row.method,
    });
  }
}

async function readEnums(client: pg.ClientBase, schemas: string[], catalog: Catalog): Promise<void> {
  const { rows } = await client.query<{ schema: string; name: string; values: string[] }>(ENUMS, [schemas]);
  for (const row of rows) catalog.enums.set(catalogKey(row), { schema: row.schema, name: row.name, values: row.values });
}

async function readViewDependencies(client: pg.ClientBase, views: Map<string, ViewInfo>): Promise<void> {
  const { rows } = await client.query<{ view: string; schema: string; name: string; column: string | null }>(VIEW_DEPENDENCIES, [
    [...views.keys()],
  ]);
  for (const row of rows) {
    const view = views.get(row.view);
    if (!view) continue;
    let entry = view.dependsOn.find((d) => d.table.schema === row.schema && d.table.name === row.name);
    if (!entry) {
      entry = { table: { schema: row.schema, name: row.name }, columns: [] };
      view.dependsOn.push(entry);
    }
    // A dependency on the whole relation (a whole-row reference) means every column.
    if (row.column === null) delete entry.columns;
    else if (entry.columns && !entry.columns.includes(row.column)) entry.columns.push(row.column);
  }
}

async function readSequenceOwners(client: pg.ClientBase, sequences: RelationRow[], catalog: Catalog): Promise<void> {
  const byOid = new Map(sequences.map((s) => [s.oid, catalogKey(s)]));
  const { rows } = await client.query<{ sequence: string; schema: string; name: string; column: string }>(SEQUENCE_OWNERS, [
    [...byOid.keys()],
  ]);
  for (const row of rows) {
    const sequence = catalog.sequences.get(byOid.get(row.sequence) ?? '');
    if (sequence) sequence.ownedBy = { table: { schema: row.schema, name: row.name }, column: row.column };
  }
}

/**
 * Publications with what they publish, the tables they list (column lists and
 * row filters from PostgreSQL 15) and, from 15, the schemas they publish.
 */
async function readPublications(client: pg.ClientBase, features: ServerFeatures, catalog: Catalog): Promise<void> {
  const publications = await client.query<{ oid: string; name: string; all_tables: boolean } & Record<PublishedAction, boolean>>(PUBLICATIONS);
  const byOid = new Map<string, PublicationInfo>();
  for (const row of publications.rows) {
    const actions: PublishedAction[] = ['insert', 'update', 'delete', 'truncate'];
    const publication: PublicationInfo = { name: row.name, allTables: row.all_tables, publish: actions.filter((a) => row[a]), tables: [], schemas: [] };
    byOid.set(row.oid, publication);
    catalog.publications.set(publication.name, publication);
  }
  if (byOid.size === 0) return;
  const tables = await client.query<{ publication: string; schema: string; name: string; columns: string[]; filtered: boolean }>(publicationTablesQuery(features));
  for (const row of tables.rows) {
    const entry: PublishedTable = { table: { schema: row.schema, name: row.name } };
    if (row.columns.length > 0) entry.columns = row.columns;
    if (row.filtered) entry.filtered = true;
    byOid.get(row.publication)?.tables.push(entry);
  }
  if (features.versionNum < 150000) return;
  const schemas = await client.query<{ publication: string; schema: string }>(PUBLICATION_SCHEMAS);
  for (const row of schemas.rows) byOid.get(row.publication)?.schemas.push(row.schema);
}
