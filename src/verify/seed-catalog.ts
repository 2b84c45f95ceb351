import type pg from 'pg';

/** A column as the seed sees it: what it may leave to Postgres and what value type it must produce. */
export interface SeedColumn {
  attnum: number;
  name: string;
  /** `format_type()` of the column's own type (a domain by its name): the cast of every generated value. */
  type: string;
  notNull: boolean;
  /** The default expression's text; identity and generated columns have none here. */
  default?: string;
  identity: boolean;
  generated: boolean;
  /** The type under any domain: `pg_type.typname` (`int4`, `varchar`, `mood`…), its typtype (`e` enum) and category (`A` array). */
  base: { name: string; typtype: string; category: string; typmod: number; format: string };
}

export interface SeedForeignKey {
  name: string;
  columns: string[];
  /** The referenced table's oid, its name as SQL (`regclass` text) and key columns, in the same order. */
  parent: number;
  parentName: string;
  parentColumns: string[];
}

/** A table verify fills: an ordinary table that is no partition, or a partitioned table's root. */
export interface SeedTable {
  oid: number;
  schema: string;
  name: string;
  partitioned: boolean;
  columns: SeedColumn[];
  foreignKeys: SeedForeignKey[];
  /** CHECK expressions (`pg_get_expr`), with the columns they read. */
  checks: { expression: string; columns: string[] }[];
  /** Column sets of unique indexes (expression keys left out); `deferrable` when one is not immediate. */
  uniqueKeys: string[][];
  deferrableUnique: boolean;
  /** For a partitioned table: the partition constraint of each leaf, and the key columns of every level (undefined: an expression key). */
  partitions?: { bounds: string[]; keyColumns: string[] | undefined };
}

const TABLES = `
  SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY n.nspname, c.relname`;

// One level of domain is looked through (a domain over a domain seeds only through its default or NULL).
const COLUMNS = `
  SELECT a.attrelid::int AS table, a.attnum::int AS attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
         a.attnotnull AS not_null, a.attidentity <> '' AS identity, a.attgenerated <> '' AS generated,
         CASE WHEN a.attidentity = '' AND a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END AS default,
         b.typname AS base_name, b.typtype AS base_typtype, b.typcategory AS base_category,
         CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS base_typmod, format_type(b.oid, NULL) AS base_format
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY a.attrelid, a.attnum`;

const CONSTRAINTS = `
  SELECT conrelid::int AS table, conname AS name, contype::text AS kind, conkey::int[] AS columns,
         confrelid::int AS parent, confrelid::regclass::text AS parent_name, confkey::int[] AS parent_columns,
         CASE WHEN contype = 'c' THEN pg_get_expr(conbin, conrelid) END AS expression
    FROM pg_constraint WHERE conrelid = ANY($1) AND contype IN ('f', 'c')
   ORDER BY conrelid, conname`;

const UNIQUE_INDEXES = `
  SELECT indrelid::int AS table, indkey::int2[]::int[] AS columns, NOT indimmediate AS deferrable
    FROM pg_index WHERE indrelid = ANY($1) AND indisunique`;

const PARTITION_BOUNDS = `
  SELECT pg_get_partition_constraintdef(relid) AS bound FROM pg_partition_tree($1::oid) WHERE isleaf`;

// An expression key (attnum 0) has no name.
const PARTITION_KEYS = `
  SELECT a.attname AS name
    FROM pg_partitioned_table p JOIN pg_partition_tree($1::oid) t ON t.relid = p.partrelid
   CROSS JOIN unnest(p.partattrs::int2[]) AS k(attnum)
    LEFT JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = k.attnum`;

/** Every table of the database that a seed fills, with what generating its rows needs to know. */
export async function readSeedTables(client: pg.ClientBase): Promise<SeedTable[]> {
  const tables = (await client.query<{ oid: number; schema: string; name: string; partitioned: boolean }>(TABLES)).rows;
  const oids = tables.map((t) => t.oid);
  const byOid = new Map<number, SeedTable>(
    tables.map((t) => [t.oid, { ...t, columns: [], foreignKeys: [], checks: [], uniqueKeys: [], deferrableUnique: false }]),
  );

  const columns = await client.query<{
    table: number; attnum: number; name: string; type: string; not_null: boolean; identity: boolean; generated: boolean; default: string | null;
    base_name: string; base_typtype: string; base_category: string; base_typmod: number; base_format: string;
  }>(COLUMNS, [oids]);
  for (const c of columns.rows) {
    byOid.get(c.table)!.columns.push({
      attnum: c.attnum,
      name: c.name,
      type: c.type,
      notNull: c.not_null,
      ...(c.default !== null ? { default: c.default } : {}),
      identity: c.identity,
      generated: c.generated,
      base: { name: c.base_name, typtype: c.base_typtype, category: c.base_category, typmod: c.base_typmod, format: c.base_format },
    });
  }
  // Column names of any table (a parent may be a partition the seed does not fill), by attribute number.
  const names = new Map<string, string>();
  const nameOf = async (table: number, attnum: number): Promise<string> => {
    if (!names.has(`${table}.${attnum}`)) {
      const { rows } = await client.query<{ name: string }>('SELECT attname AS name FROM pg_attribute WHERE attrelid = $1 AND attnum = $2', [table, attnum]);
      names.set(`${table}.${attnum}`, rows[0]?.name ?? '?');
    }
    return names.get(`${table}.${attnum}`)!;
  };
  for (const table of byOid.values()) for (const c of table.columns) names.set(`${table.oid}.${c.attnum}`, c.name);

  const constraints = await client.query<{ table: number; name: string; kind: string; columns: number[] | null; parent: number; parent_name: string; parent_columns: number[] | null; expression: string | null }>(
    CONSTRAINTS,
    [oids],
  );
  for (const c of constraints.rows) {
    const table = byOid.get(c.table)!;
    const columns = await Promise.all((c.columns ?? []).map((n) => nameOf(c.table, n)));
    if (c.kind === 'f') {
      table.foreignKeys.push({ name: c.name, columns, parent: c.parent, parentName: c.parent_name, parentColumns: await Promise.all((c.parent_columns ?? []).map((n) => nameOf(c.parent, n))) });
    } else if (c.expression !== null) {
      table.checks.push({ expression: c.expression, columns });
    }
  }

  for (const index of (await client.query<{ table: number; columns: number[]; deferrable: boolean }>(UNIQUE_INDEXES, [oids])).rows) {
    const table = byOid.get(index.table)!;
    table.uniqueKeys.push(await Promise.all(index.columns.filter((n) => n > 0).map((n) => nameOf(index.table, n))));
    if (index.deferrable) table.deferrableUnique = true;
  }

  for (const table of byOid.values()) {
    if (!table.partitioned) continue;
    const bounds = (await client.query<{ bound: string | null }>(PARTITION_BOUNDS, [table.oid])).rows.map((r) => r.bound).filter((b): b is string => b !== null);
    const keys = (await client.query<{ name: string | null }>(PARTITION_KEYS, [table.oid])).rows.map((r) => r.name);
    table.partitions = { bounds, keyColumns: keys.includes(null) ? undefined : [...new Set(keys as string[])] };
  }
  return [...byOid.values()];
}
