import type pg from 'pg';

/** A user relation of the shadow database at one moment. */
export interface Relation {
  oid: number;
  schema: string;
  name: string;
  /** `name`, or `schema.name` outside public. */
  display: string;
  kind: 'table' | 'index' | 'sequence' | 'other';
  /** 0 for relations without storage (partitioned tables, views). */
  filenode: number;
  /** Sequential scans of it in the current transaction. */
  scans: number;
}

const KINDS: Record<string, Relation['kind']> = { r: 'table', p: 'table', m: 'table', i: 'index', I: 'index', S: 'sequence' };

/** Every relation outside the system schemas, with its relfilenode and this transaction's scan count. */
export async function relationSnapshot(client: pg.ClientBase): Promise<Relation[]> {
  const { rows } = await client.query<{ oid: number; schema: string; name: string; relkind: string; filenode: number; scans: number }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.relfilenode::int AS filenode,
            pg_stat_get_xact_numscans(c.oid)::int AS scans
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return rows.map((r) => ({
    oid: r.oid,
    schema: r.schema,
    name: r.name,
    display: r.schema === 'public' ? r.name : `${r.schema}.${r.name}`,
    kind: KINDS[r.relkind] ?? 'other',
    filenode: r.filenode,
    scans: r.scans,
  }));
}

/** The oids of the tables that exist now. */
export async function existingTables(client: pg.ClientBase): Promise<Set<number>> {
  return new Set((await relationSnapshot(client)).filter((r) => r.kind === 'table').map((r) => r.oid));
}
