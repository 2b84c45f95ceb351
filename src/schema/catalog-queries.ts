/**
 * The catalog queries behind `readCatalog`, written for every server from
 * PostgreSQL 12 on: only columns that exist in 12's catalogs (`attgenerated`
 * is 12's, `attidentity` 10's, `indnkeyatts` 11's, `pg_partition_tree` 12's);
 * what differs between versions comes in as `ServerFeatures`. Every query reads
 * `pg_catalog` only. The caller runs them with `search_path = public`: a path
 * that does not list pg_catalog searches it first, so no user object can
 * stand in for a catalog's, and `format_type` and `pg_get_expr` print names as
 * the default path shows them (`mood` in public, `billing.state` elsewhere).
 *
 * Relations, types and schemas that belong to an extension (`pg_depend` deptype
 * `e`) are left out: migrations create them through `CREATE EXTENSION`, which
 * the replay does not expand into objects.
 */

export interface ServerFeatures {
  /** `server_version_num`, e.g. 180004. */
  versionNum: number;
}

/** `NOT <object> belongs to an extension`, for a pg_class / pg_type / pg_namespace row. */
function notExtensionMember(catalog: 'pg_class' | 'pg_type' | 'pg_namespace', oid: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;
}

/** Non-system schemas; `$1` is a text[] of the schemas asked for, or NULL for all. */
export const SCHEMAS = `
  SELECT n.nspname AS name
    FROM pg_namespace n
   WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
     AND ${notExtensionMember('pg_namespace', 'n.oid')}
     AND ($1::text[] IS NULL OR n.nspname = ANY ($1::text[]))
   ORDER BY 1`;

/**
 * Whether a heap's `reltuples` is unknown. PostgreSQL 14 marks a table never
 * vacuumed or analyzed with -1; before 14 such a table shows 0 rows and 0 pages,
 * which an empty analyzed table shows too, so it counts as unknown (the safe
 * reading: a rule then does not take the table for a small one).
 */
function rowsUnknown(features: ServerFeatures, alias: string): string {
  return features.versionNum >= 140000 ? `${alias}.reltuples < 0` : `(${alias}.reltuples = 0 AND ${alias}.relpages = 0)`;
}

/**
 * Tables, partitioned tables, views, materialized views and sequences of the
 * schemas in `$1` (text[]). A partitioned table has no storage of its own: its
 * size is the sum over its partition tree, and its rows are known when every
 * leaf's are.
 */
export function relationsQuery(features: ServerFeatures): string {
  return `
  SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, c.relreplident AS replica_identity,
         pn.nspname AS parent_schema, pc.relname AS parent_name,
         CASE
           WHEN c.relkind = 'r' THEN CASE WHEN ${rowsUnknown(features, 'c')} THEN NULL ELSE c.reltuples::float8 END
           WHEN c.relkind = 'p' THEN (
             SELECT CASE WHEN bool_or(${rowsUnknown(features, 'l')}) THEN NULL ELSE coalesce(sum(l.reltuples::float8), 0) END
               FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid
              WHERE t.isleaf)
         END AS rows,
         CASE
           WHEN c.relkind = 'r' THEN pg_total_relation_size(c.oid)
           WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t)
         END::int8 AS bytes
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid
    LEFT JOIN pg_class pc ON pc.oid = i.inhparent
    LEFT JOIN pg_namespace pn ON pn.oid = pc.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S')
     AND n.nspname = ANY ($1::text[])
     AND ${notExtensionMember('pg_class', 'c.oid')}
   ORDER BY n.nspname, c.relname`;
}

/**
 * Columns of the tables in `$1` (int8[] of oids), in attnum order. A default is
 * volatile when its stored expression tree calls a function (directly or
 * through an operator) whose `provolatile` is `v`: the tree's `:funcid` and
 * `:opfuncid` fields name every function it calls, which is what PostgreSQL's
 * own `contain_volatile_functions` looks at (built-in functions have no
 * `pg_depend` rows, so the dependency graph cannot answer this).
 */
export const COLUMNS = `
  SELECT a.attrelid::int8 AS relid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         a.attnotnull AS not_null, a.attidentity AS identity, a.attgenerated AS generated,
         pg_get_expr(d.adbin, d.adrelid) AS default_expr,
         CASE WHEN d.adbin IS NOT NULL THEN EXISTS (
           SELECT 1 FROM regexp_matches(d.adbin::text, ':(?:op)?funcid (\\d+)', 'g') f
             JOIN pg_proc p ON p.oid = f[1]::oid
            WHERE p.provolatile = 'v')
         END AS default_volatile
    FROM pg_attribute a
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = ANY ($1::int8[]::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attrelid, a.attnum`;

/**
 * Primary key, unique, check, foreign key and exclusion constraints of the
 * tables in `$1`. PostgreSQL 18's NOT NULL constraints (contype `n`) are the
 * columns' `notNull`, and constraint triggers (`t`) are not modelled.
 */
export const CONSTRAINTS = `
  SELECT c.conrelid::int8 AS relid, c.conname AS name, c.contype AS kind, c.convalidated AS validated,
         ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
         fn.nspname AS ref_schema, fc.relname AS ref_table,
         ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS ref_columns,
         CASE WHEN c.contype = 'c' THEN pg_get_expr(c.conbin, c.conrelid) END AS expression,
         (SELECT a.attname FROM pg_attribute a
           WHERE c.contype = 'c' AND cardinality(c.conkey) = 1 AND a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             AND pg_get_expr(c.conbin, c.conrelid) = '(' || quote_ident(a.attname) || ' IS NOT NULL)') AS not_null_check_of,
         CASE WHEN c.contype IN ('p', 'u', 'x') THEN ic.relname END AS index_name
    FROM pg_constraint c
    LEFT JOIN pg_class fc ON fc.oid = c.confrelid
    LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
    LEFT JOIN pg_class ic ON ic.oid = c.conindid
   WHERE c.conrelid = ANY ($1::int8[]::oid[]) AND c.contype IN ('p', 'u', 'c', 'f', 'x')
   ORDER BY c.conrelid, c.conname`;

/**
 * Indexes on the tables and materialized views in `$1`: key columns only (INCLUDE columns are not
 * keys); an expression key is `pg_get_indexdef`'s text for it, in parentheses.
 */
export const INDEXES = `
  SELECT i.indrelid::int8 AS relid, n.nspname AS schema, ic.relname AS name,
         i.indisunique AS unique, i.indisprimary AS primary, i.indisvalid AS valid,
         i.indpred IS NOT NULL AS partial, am.amname AS method, i.indisreplident AS replica_identity,
         ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                           THEN '(' || pg_get_indexdef(i.indexrelid, k, true) || ')'
                           ELSE (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])::text
                      END
                 FROM generate_series(1, i.indnkeyatts) k ORDER BY k)::text[] AS columns
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
   WHERE i.indrelid = ANY ($1::int8[]::oid[])
   ORDER BY n.nspname, ic.relname`;

/** Enum types of the schemas in `$1` (text[]), values in `enumsortorder`. */
export const ENUMS = `
  SELECT n.nspname AS schema, t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_enum e ON e.enumtypid = t.oid
   WHERE n.nspname = ANY ($1::text[]) AND ${notExtensionMember('pg_type', 't.oid')}
   GROUP BY n.nspname, t.typname
   ORDER BY n.nspname, t.typname`;

/**
 * What the views in `$1` (int8[]) read: their rewrite rule's dependencies on
 * relations other than the view itself. `column` is null where the rule
 * depends on a whole relation rather than on columns of it.
 */
export const VIEW_DEPENDENCIES = `
  SELECT r.ev_class::int8 AS view, rn.nspname AS schema, rc.relname AS name, a.attname AS column
    FROM pg_rewrite r
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
    JOIN pg_class rc ON rc.oid = d.refobjid AND rc.relkind IN ('r', 'p', 'v', 'm', 'f')
    JOIN pg_namespace rn ON rn.oid = rc.relnamespace
    LEFT JOIN pg_attribute a ON d.refobjsubid > 0 AND a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
   WHERE r.ev_class = ANY ($1::int8[]::oid[])
   ORDER BY r.ev_class, rn.nspname, rc.relname, d.refobjsubid`;

/**
 * The column that owns each sequence in `$1` (int8[]): `serial` and `OWNED BY`
 * record an auto dependency (`a`), identity columns an internal one (`i`).
 */
export const SEQUENCE_OWNERS = `
  SELECT d.objid::int8 AS sequence, tn.nspname AS schema, t.relname AS name, a.attname AS column
    FROM pg_depend d
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
   WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
     AND d.objid = ANY ($1::int8[]::oid[]) AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')`;

/** Publications (all of the database's: they belong to no schema) and what each publishes. */
export const PUBLICATIONS = `
  SELECT p.oid::int8 AS oid, p.pubname AS name, p.puballtables AS all_tables,
         p.pubinsert AS insert, p.pubupdate AS update, p.pubdelete AS delete, p.pubtruncate AS truncate
    FROM pg_publication p
   ORDER BY p.pubname`;

/**
 * The tables publications list by name, with their column lists and whether a
 * row filter applies: `prattrs` and `prqual` are PostgreSQL 15's.
 */
export function publicationTablesQuery(features: ServerFeatures): string {
  const v15 = features.versionNum >= 150000;
  return `
  SELECT r.prpubid::int8 AS publication, n.nspname AS schema, c.relname AS name,
         ${
           v15
             ? `ARRAY(SELECT a.attname FROM unnest(r.prattrs::int2[]) k(attnum)
                       JOIN pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.attnum ORDER BY a.attnum)::text[]`
             : `'{}'::text[]`
         } AS columns,
         ${v15 ? 'r.prqual IS NOT NULL' : 'false'} AS filtered
    FROM pg_publication_rel r
    JOIN pg_class c ON c.oid = r.prrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
   ORDER BY r.prpubid, n.nspname, c.relname`;
}

/** `FOR TABLES IN SCHEMA` entries: PostgreSQL 15+ only (the catalog does not exist before). */
export const PUBLICATION_SCHEMAS = `
  SELECT s.pnpubid::int8 AS publication, n.nspname AS schema
    FROM pg_publication_namespace s
    JOIN pg_namespace n ON n.oid = s.pnnspid
   ORDER BY s.pnpubid, n.nspname`;
