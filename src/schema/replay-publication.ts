import type { AlterPublicationStmt, CreatePublicationStmt, Node, PublicationObjSpec, ReplicaIdentityStmt } from '@pgsql/types';
import { nameOfRangeVar, stringValue } from '../sql/names.js';
import type { Catalog, PublicationInfo, PublishedAction, PublishedTable, TableInfo } from './catalog.js';
import { sameObject, type ReplayScope } from './replay-scope.js';

const ALL_ACTIONS: readonly PublishedAction[] = ['insert', 'update', 'delete', 'truncate'];

/** CREATE PUBLICATION … [FOR ALL TABLES | FOR TABLE … , TABLES IN SCHEMA …] [WITH (publish = '…')]. */
export function createPublication(scope: ReplayScope, stmt: CreatePublicationStmt): void {
  const name = stmt.pubname;
  if (name === undefined || scope.catalog.publications.has(name)) return;
  const publication: PublicationInfo = { name, allTables: stmt.for_all_tables === true, publish: [...ALL_ACTIONS], tables: [], schemas: [] };
  setOptions(publication, stmt.options);
  addObjects(scope, publication, stmt.pubobjects);
  scope.catalog.publications.set(name, publication);
}

/**
 * ALTER PUBLICATION … ADD / DROP / SET objects, or SET (options). A publication
 * the catalog does not know exists all the same when the statement ran (one a
 * hosting platform made, such as supabase_realtime): it is added, with the
 * default `publish`, so that the tables added to it count as published.
 */
export function alterPublication(scope: ReplayScope, stmt: AlterPublicationStmt): void {
  const name = stmt.pubname;
  if (name === undefined) return;
  let publication = scope.catalog.publications.get(name);
  if (!publication) {
    publication = { name, allTables: false, publish: [...ALL_ACTIONS], tables: [], schemas: [] };
    scope.catalog.publications.set(name, publication);
  }
  if (stmt.options) setOptions(publication, stmt.options);
  if (!stmt.pubobjects) return;
  if (stmt.action === 'AP_SetObjects') {
    publication.tables = [];
    publication.schemas = [];
  }
  if (stmt.action === 'AP_DropObjects') dropObjects(scope, publication, stmt.pubobjects);
  else addObjects(scope, publication, stmt.pubobjects);
}

function setOptions(publication: PublicationInfo, options: Node[] | undefined): void {
  for (const option of options ?? []) {
    if (!('DefElem' in option) || option.DefElem.defname !== 'publish') continue;
    const value = stringValue(option.DefElem.arg) ?? '';
    publication.publish = ALL_ACTIONS.filter((action) => value.split(',').some((v) => v.trim().toLowerCase() === action));
  }
}

function specsOf(objects: Node[] | undefined): PublicationObjSpec[] {
  return (objects ?? []).flatMap((o) => ('PublicationObjSpec' in o ? [o.PublicationObjSpec] : []));
}

/**
 * The schema a `TABLES IN SCHEMA` item names; `CURRENT_SCHEMA` is the first
 * schema of search_path that exists (none: PostgreSQL refuses the statement,
 * and the item is left out).
 */
function schemaOf(scope: ReplayScope, spec: PublicationObjSpec): string | null | undefined {
  if (spec.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA') return scope.searchPath.find((s) => scope.catalog.schemas.has(s)) ?? null;
  return spec.pubobjtype === 'PUBLICATIONOBJ_TABLES_IN_SCHEMA' ? spec.name : undefined;
}

function addObjects(scope: ReplayScope, publication: PublicationInfo, objects: Node[] | undefined): void {
  for (const spec of specsOf(objects)) {
    const schema = schemaOf(scope, spec);
    if (schema !== undefined) {
      if (schema !== null && !publication.schemas.includes(schema)) publication.schemas.push(schema);
      continue;
    }
    const written = nameOfRangeVar(spec.pubtable?.relation);
    if (!written) continue;
    const table = scope.relationName(written);
    if (publication.tables.some((t) => sameObject(t.table, table))) continue;
    const entry: PublishedTable = { table };
    const columns = (spec.pubtable?.columns ?? []).map(stringValue).filter((c): c is string => c !== undefined);
    if (columns.length > 0) entry.columns = columns;
    if (spec.pubtable?.whereClause) entry.filtered = true;
    publication.tables.push(entry);
  }
}

function dropObjects(scope: ReplayScope, publication: PublicationInfo, objects: Node[] | undefined): void {
  for (const spec of specsOf(objects)) {
    const schema = schemaOf(scope, spec);
    if (schema !== undefined) {
      publication.schemas = publication.schemas.filter((s) => s !== schema);
      continue;
    }
    const written = nameOfRangeVar(spec.pubtable?.relation);
    if (!written) continue;
    const table = scope.relationName(written);
    publication.tables = publication.tables.filter((t) => !sameObject(t.table, table));
  }
}

/** ALTER TABLE … REPLICA IDENTITY DEFAULT | FULL | NOTHING | USING INDEX i. */
export function setReplicaIdentity(table: TableInfo, stmt: ReplicaIdentityStmt): void {
  delete table.replicaIdentity;
  delete table.replicaIdentityIndex;
  if (stmt.identity_type === 'f') table.replicaIdentity = 'full';
  else if (stmt.identity_type === 'n') table.replicaIdentity = 'nothing';
  else if (stmt.identity_type === 'i' && stmt.name !== undefined) {
    table.replicaIdentity = 'index';
    table.replicaIdentityIndex = stmt.name;
  }
}

/** A dropped index that was its table's `REPLICA IDENTITY USING INDEX` leaves the table without one. */
export function forgetReplicaIdentityIndex(catalog: Catalog, index: { schema: string; name: string; table: { schema: string; name: string } }): void {
  const table = catalog.tables.get(`${index.table.schema}.${index.table.name}`);
  if (table?.replicaIdentityIndex === index.name) delete table.replicaIdentityIndex;
}

/** DROP TABLE: PostgreSQL removes the table from the publications that list it. */
export function unpublishTable(catalog: Catalog, table: { schema: string; name: string }): void {
  for (const publication of catalog.publications.values()) publication.tables = publication.tables.filter((t) => !sameObject(t.table, table));
}
