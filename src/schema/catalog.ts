import type { QualifiedName } from '../sql/names.js';

/**
 * What pgtandem knows of a database's schema: replayed from migrations
 * (`replay-catalog.ts`) or read from a live server (`read-catalog.ts`). Both
 * fill the same shape, so rules need not care where it came from and the
 * replay can be compared with Postgres itself.
 *
 * Names are stored as Postgres stores them (folded, unquoted). Types are in
 * `format_type()` form (`integer`, `character varying(20)`, `numeric(10,2)`,
 * `timestamp with time zone`, `text[]`; user types as a session with the
 * default search_path sees them: `mood` in public, `billing.state` elsewhere),
 * so a replayed type compares equal to the server's.
 */
/** A name the catalog resolved: always schema-qualified. */
export interface ObjectName {
  schema: string;
  name: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  notNull: boolean;
  /**
   * The default expression's text, when there is one (and for serial columns: `nextval(…)`; for a
   * generated column: its generation expression, which PostgreSQL keeps where defaults go).
   */
  default?: string;
  /** Whether evaluating the default is volatile (`nextval`, `random()`, `clock_timestamp()`…). */
  defaultVolatile?: boolean;
  generated?: 'stored' | 'virtual';
  identity?: 'always' | 'by default';
}

export type ConstraintKind = 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion';

export interface ConstraintInfo {
  name: string;
  kind: ConstraintKind;
  /** Constrained columns, in key order; for a check, the columns its expression reads. */
  columns: string[];
  /** False while a constraint added `NOT VALID` has not been validated. */
  validated: boolean;
  /** For a foreign key: the referenced table and columns. */
  references?: { table: ObjectName; columns: string[] };
  /** For a check: its expression's text; `isNotNullCheckOf` names the column when it is `col IS NOT NULL`. */
  expression?: string;
  isNotNullCheckOf?: string;
  /** For a primary key, unique or exclusion constraint: the index that enforces it. */
  index?: string;
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned table';
  /** For a partition: its parent. */
  partitionOf?: ObjectName;
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  /**
   * Known only from a live database: estimated rows (`reltuples`) and total bytes with indexes and TOAST
   * (for a partitioned table, summed over its partitions). `rows` is undefined while the table has never
   * been vacuumed or analyzed: PostgreSQL then has no estimate, and the table may be of any size.
   */
  size?: { rows?: number; bytes: number };
  /**
   * `REPLICA IDENTITY`, the columns logical replication sends to identify an updated or deleted row.
   * Absent: DEFAULT (the primary key, if any). `index`: `USING INDEX`, with `replicaIdentityIndex`
   * naming the index — absent once that index was dropped, which leaves the table no identity at all.
   */
  replicaIdentity?: 'full' | 'nothing' | 'index';
  replicaIdentityIndex?: string;
}

export interface IndexInfo {
  schema: string;
  name: string;
  table: ObjectName;
  unique: boolean;
  primary: boolean;
  /** False for an index left INVALID by a failed `CREATE INDEX CONCURRENTLY`. */
  valid: boolean;
  /** Key columns; an expression key is its text in parentheses. */
  columns: string[];
  partial: boolean;
  method: string;
}

export interface EnumInfo {
  schema: string;
  name: string;
  values: string[];
}

export interface ViewInfo {
  schema: string;
  name: string;
  materialized: boolean;
  /** Tables and columns the view reads, as far as its parse tree shows (undefined columns: all, or not known). */
  dependsOn: { table: ObjectName; columns?: string[] }[];
}

export interface SequenceInfo {
  schema: string;
  name: string;
  ownedBy?: { table: ObjectName; column: string };
}

/** What a publication publishes (`WITH (publish = '…')`; all four by default). */
export type PublishedAction = 'insert' | 'update' | 'delete' | 'truncate';

/** A table a publication lists by name (`FOR TABLE t [(columns)] [WHERE (…)]`). */
export interface PublishedTable {
  table: ObjectName;
  /** The column list, when the publication sends only these columns (PostgreSQL 15+). */
  columns?: string[];
  /** Whether a row filter (`WHERE`) limits the rows sent. */
  filtered?: boolean;
}

/** A logical replication publication: database-wide, not in a schema. */
export interface PublicationInfo {
  name: string;
  allTables: boolean;
  publish: PublishedAction[];
  tables: PublishedTable[];
  /** `FOR TABLES IN SCHEMA s` (PostgreSQL 15+): every table of these schemas, present and future. */
  schemas: string[];
}

/** The key of an object in the catalog's maps: `schema.name`, both folded. */
export function catalogKey(name: ObjectName): string {
  return `${name.schema}.${name.name}`;
}

/** A catalog's state as plain data: `Catalog.toData()` and `Catalog.fromData()`. */
export interface CatalogData {
  schemas: ReadonlySet<string>;
  tables: ReadonlyMap<string, TableInfo>;
  indexes: ReadonlyMap<string, IndexInfo>;
  enums: ReadonlyMap<string, EnumInfo>;
  views: ReadonlyMap<string, ViewInfo>;
  sequences: ReadonlyMap<string, SequenceInfo>;
  publications: ReadonlyMap<string, PublicationInfo>;
  serverVersionNum?: number;
}

/**
 * The schema at one point of a migration history. Mutable: the replay applies
 * statements to it in place; `clone()` keeps a state to come back to (abort
 * runs against the catalog as expand left it).
 */
export class Catalog {
  readonly schemas = new Set<string>(['public']);
  readonly tables = new Map<string, TableInfo>();
  readonly indexes = new Map<string, IndexInfo>();
  readonly enums = new Map<string, EnumInfo>();
  readonly views = new Map<string, ViewInfo>();
  readonly sequences = new Map<string, SequenceInfo>();
  /** Publications by name. */
  readonly publications = new Map<string, PublicationInfo>();
  /** The server's `server_version_num` (140002), when known: read from a live database, or the config's `pgVersion` release. */
  declare serverVersionNum?: number;

  /**
   * The table a possibly unqualified name means: qualified names directly,
   * otherwise the first schema of `searchPath` that has it (as Postgres resolves).
   */
  table(name: QualifiedName, searchPath: readonly string[] = ['public']): TableInfo | undefined {
    return resolve(this.tables, name, searchPath);
  }

  index(name: QualifiedName, searchPath: readonly string[] = ['public']): IndexInfo | undefined {
    return resolve(this.indexes, name, searchPath);
  }

  enumType(name: QualifiedName, searchPath: readonly string[] = ['public']): EnumInfo | undefined {
    return resolve(this.enums, name, searchPath);
  }

  view(name: QualifiedName, searchPath: readonly string[] = ['public']): ViewInfo | undefined {
    return resolve(this.views, name, searchPath);
  }

  sequence(name: QualifiedName, searchPath: readonly string[] = ['public']): SequenceInfo | undefined {
    return resolve(this.sequences, name, searchPath);
  }

  /** Indexes on a table. */
  indexesOf(table: ObjectName): IndexInfo[] {
    return [...this.indexes.values()].filter((i) => i.table.schema === table.schema && i.table.name === table.name);
  }

  /** Views that read a table (and, when `column` is given, that column or all of its columns). */
  viewsUsing(table: ObjectName, column?: string): ViewInfo[] {
    return [...this.views.values()].filter((v) =>
      v.dependsOn.some((d) => d.table.schema === table.schema && d.table.name === table.name && (column === undefined || d.columns === undefined || d.columns.includes(column))),
    );
  }

  /** The catalog as plain data (Maps and Sets of structured-cloneable values), for `v8.serialize` and `fromData`. */
  toData(): CatalogData {
    const { schemas, tables, indexes, enums, views, sequences, publications, serverVersionNum } = this;
    return { schemas, tables, indexes, enums, views, sequences, publications, ...(serverVersionNum !== undefined ? { serverVersionNum } : {}) };
  }

  /** A catalog over data from `toData` (taken over, not copied). */
  static fromData(data: CatalogData): Catalog {
    const catalog = new Catalog();
    catalog.schemas.clear();
    for (const s of data.schemas) catalog.schemas.add(s);
    for (const [k, v] of data.tables) catalog.tables.set(k, v);
    for (const [k, v] of data.indexes) catalog.indexes.set(k, v);
    for (const [k, v] of data.enums) catalog.enums.set(k, v);
    for (const [k, v] of data.views) catalog.views.set(k, v);
    for (const [k, v] of data.sequences) catalog.sequences.set(k, v);
    for (const [k, v] of data.publications) catalog.publications.set(k, v);
    if (data.serverVersionNum !== undefined) catalog.serverVersionNum = data.serverVersionNum;
    return catalog;
  }

  clone(): Catalog {
    const copy = new Catalog();
    copy.schemas.clear();
    for (const s of this.schemas) copy.schemas.add(s);
    for (const [k, v] of this.tables) copy.tables.set(k, structuredClone(v));
    for (const [k, v] of this.indexes) copy.indexes.set(k, structuredClone(v));
    for (const [k, v] of this.enums) copy.enums.set(k, structuredClone(v));
    for (const [k, v] of this.views) copy.views.set(k, structuredClone(v));
    for (const [k, v] of this.sequences) copy.sequences.set(k, structuredClone(v));
    for (const [k, v] of this.publications) copy.publications.set(k, structuredClone(v));
    if (this.serverVersionNum !== undefined) copy.serverVersionNum = this.serverVersionNum;
    return copy;
  }
}

function resolve<T>(map: ReadonlyMap<string, T>, name: QualifiedName, searchPath: readonly string[]): T | undefined {
  if (name.schema !== undefined) return map.get(`${name.schema}.${name.name}`);
  for (const schema of searchPath) {
    const found = map.get(`${schema}.${name.name}`);
    if (found) return found;
  }
  return undefined;
}
