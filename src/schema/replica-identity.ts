import { quoteIdent } from '../sql/names.js';
import type { Catalog, ObjectName, PublicationInfo, PublishedTable, TableInfo } from './catalog.js';

/**
 * What logical replication identifies a table's updated and deleted rows by:
 * the columns of a key (the primary key under REPLICA IDENTITY DEFAULT, or the
 * USING INDEX index), the whole row (FULL), or nothing — when the identity is
 * NOTHING, DEFAULT without a primary key, or USING INDEX an index since dropped.
 */
export type ReplicaIdentity =
  | { kind: 'key'; columns: string[]; index: string | undefined; primaryKey: boolean }
  | { kind: 'full' }
  | { kind: 'none'; reason: 'nothing' | 'no primary key' | 'index dropped' };

export function replicaIdentityOf(catalog: Catalog, table: TableInfo): ReplicaIdentity {
  switch (table.replicaIdentity) {
    case 'full':
      return { kind: 'full' };
    case 'nothing':
      return { kind: 'none', reason: 'nothing' };
    case 'index': {
      const index = table.replicaIdentityIndex && catalog.indexes.get(`${table.schema}.${table.replicaIdentityIndex}`);
      return index ? { kind: 'key', columns: index.columns, index: index.name, primaryKey: index.primary } : { kind: 'none', reason: 'index dropped' };
    }
    default: {
      const key = table.constraints.find((c) => c.kind === 'primary key');
      return key ? { kind: 'key', columns: key.columns, index: key.index, primaryKey: true } : { kind: 'none', reason: 'no primary key' };
    }
  }
}

/**
 * Publications that a change-data-capture service reads, not PostgreSQL
 * subscribers: they take the publisher's columns as they come, so a column's
 * change does not stop them (the replica identity still matters to them).
 */
export const CDC_PUBLICATIONS: ReadonlySet<string> = new Set([
  'supabase_realtime', // Supabase Realtime
  'dbz_publication', // Debezium's default
]);

/** A publication that publishes a table, and how: `entry` when it lists the table (or the partitioned table above it) by name. */
export interface Publishing {
  publication: PublicationInfo;
  entry?: PublishedTable;
}

/**
 * The publications that publish `table`'s changes: FOR ALL TABLES, FOR TABLES
 * IN SCHEMA of its schema, or FOR TABLE it or a partitioned table it is a
 * partition of (PostgreSQL publishes a partitioned table's partitions).
 */
export function publicationsOf(catalog: Catalog, table: TableInfo): Publishing[] {
  if (catalog.publications.size === 0) return [];
  const chain: ObjectName[] = [table];
  for (let t = parentOf(catalog, table); t && !chain.some((c) => c.schema === t!.schema && c.name === t!.name); t = parentOf(catalog, t)) chain.push(t);
  const found: Publishing[] = [];
  for (const publication of catalog.publications.values()) {
    let entry: PublishedTable | undefined;
    for (const p of publication.tables) {
      if (chain.some((c) => c.name === p.table.name && c.schema === p.table.schema)) {
        entry = p;
        break;
      }
    }
    if (entry) found.push({ publication, entry });
    else if (publication.allTables || chain.some((c) => publication.schemas.includes(c.schema))) found.push({ publication });
  }
  return found;
}

function parentOf(catalog: Catalog, table: TableInfo): TableInfo | undefined {
  return table.partitionOf && catalog.tables.get(`${table.partitionOf.schema}.${table.partitionOf.name}`);
}

/** Whether a publication sends UPDATE or DELETE: those need the replica identity. */
export function publishesRowChanges(publication: PublicationInfo): boolean {
  return publication.publish.includes('update') || publication.publish.includes('delete');
}

/** `publication p` or `publications p, q`, for a message. */
export function publicationNames(publications: readonly Publishing[]): string {
  const names = [...new Set(publications.map((p) => quoteIdent(p.publication.name)))];
  return `${names.length === 1 ? 'publication' : 'publications'} ${names.join(', ')}`;
}
