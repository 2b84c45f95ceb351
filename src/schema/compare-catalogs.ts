import type { Catalog, ColumnInfo, ConstraintInfo, IndexInfo, ObjectName, PublicationInfo, TableInfo, ViewInfo } from './catalog.js';
import { normalizeExpression, sameExpression } from './normalize-expression.js';

export type CatalogObjectKind = 'schema' | 'table' | 'column' | 'constraint' | 'index' | 'enum' | 'view' | 'sequence' | 'publication';

/** One way an object differs; `field` is `exists` when one side lacks the object. */
export interface CatalogDifference {
  kind: CatalogObjectKind;
  /** `schema.name`; a column or constraint is `schema.table.name`. */
  name: string;
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CatalogComparison {
  /** Objects on either side: schemas, tables, columns, constraints, indexes, enums, views, sequences, publications. */
  items: number;
  /** Objects present on both sides with no difference. */
  matched: number;
  /** `matched / items`; 1 for two empty catalogs. */
  match: number;
  differences: CatalogDifference[];
}

/**
 * Compares two catalogs over what the Catalog models, typically one read from
 * a server (`expected`: the truth) with the replay of the migrations that
 * server ran (`actual`). Each object counts once; a table one side lacks counts with its
 * columns and constraints (all missing) but is reported once.
 *
 * What is compared, and how:
 * - tables: kind, `partitionOf`, replica identity (and its index), and column order when both have the same columns;
 * - columns: type, nullability, default (presence, and text after
 *   {@link normalizeExpression}, then as parse trees ({@link sameExpression}):
 *   casts, schema qualifiers, case and parentheses PostgreSQL adds do not
 *   count; `DEFAULT NULL` is no default), whether the default is volatile (when both
 *   sides say), generated, identity;
 * - constraints: paired by name, then (for a generated name that differs) by
 *   kind, columns and referenced table; kind, columns, validity, references,
 *   `isNotNullCheckOf` and the backing index. A check's expression text is not
 *   compared: PostgreSQL rewrites it (`IN (…)` becomes `= ANY (ARRAY[…])`).
 * - indexes: paired by name, then by table, key columns and uniqueness;
 *   table, unique, primary, valid, key columns (expressions normalized), partial, method;
 * - enums: values in order; views: materialized, the relations they read, and
 *   the columns where both sides list them; sequences: the owning column;
 * - publications: all tables, what they publish, the tables they list (with
 *   column lists, in any order, and whether a row filter applies) and their schemas.
 * Sizes are not compared: only a live database has them.
 */
export function compareCatalogs(expected: Catalog, actual: Catalog): CatalogComparison {
  const tally = new Tally();
  for (const key of union([...expected.schemas], [...actual.schemas])) {
    tally.object('schema', key, expected.schemas.has(key), actual.schemas.has(key), () => {});
  }
  for (const key of union([...expected.tables.keys()], [...actual.tables.keys()])) {
    const e = expected.tables.get(key);
    const a = actual.tables.get(key);
    const present = e ?? a!;
    // A missing table's columns and constraints are missing too: they count, reported once with the table.
    const nested = e && a ? 0 : present.columns.length + present.constraints.length;
    tally.object('table', key, !!e, !!a, (field) => compareTable(e!, a!, field), nested);
    if (e && a) compareTableContents(e, a, tally);
  }
  for (const key of union([...expected.indexes.keys()], [...actual.indexes.keys()])) {
    const e = expected.indexes.get(key);
    const a = actual.indexes.get(key);
    if (!e || !a) continue;
    tally.object('index', key, true, true, (field) => compareIndex(e, a, field));
  }
  pairByShape(
    'index',
    [...expected.indexes.values()].filter((i) => !actual.indexes.has(`${i.schema}.${i.name}`)),
    [...actual.indexes.values()].filter((i) => !expected.indexes.has(`${i.schema}.${i.name}`)),
    (i) => `${i.schema}.${i.name}`,
    (i) => `${i.table.schema}.${i.table.name}|${i.unique}|${i.columns.map(normalizeExpression).join(',')}`,
    compareIndex,
    tally,
  );
  for (const key of union([...expected.enums.keys()], [...actual.enums.keys()])) {
    const e = expected.enums.get(key);
    const a = actual.enums.get(key);
    tally.object('enum', key, !!e, !!a, (field) => field('values', e!.values, a!.values));
  }
  for (const key of union([...expected.views.keys()], [...actual.views.keys()])) {
    const e = expected.views.get(key);
    const a = actual.views.get(key);
    tally.object('view', key, !!e, !!a, (field) => compareView(e!, a!, field));
  }
  for (const key of union([...expected.sequences.keys()], [...actual.sequences.keys()])) {
    const e = expected.sequences.get(key);
    const a = actual.sequences.get(key);
    tally.object('sequence', key, !!e, !!a, (field) => field('ownedBy', e!.ownedBy, a!.ownedBy));
  }
  for (const key of union([...expected.publications.keys()], [...actual.publications.keys()])) {
    const e = expected.publications.get(key);
    const a = actual.publications.get(key);
    tally.object('publication', key, !!e, !!a, (field) => comparePublication(e!, a!, field));
  }
  return tally.result();
}

/** Records a field's values; a difference when they are not deeply equal. */
type Field = (name: string, expected: unknown, actual: unknown) => void;

class Tally {
  private items = 0;
  private matched = 0;
  private readonly differences: CatalogDifference[] = [];

  /** Counts one object (and `nested` missing ones under it) and compares it when both sides have it. */
  object(kind: CatalogObjectKind, name: string, inExpected: boolean, inActual: boolean, compare: (field: Field) => void, nested = 0): void {
    this.items += 1 + nested;
    if (!inExpected || !inActual) {
      this.differences.push({ kind, name, field: 'exists', expected: inExpected, actual: inActual });
      return;
    }
    const before = this.differences.length;
    compare((field, e, a) => {
      if (!deepEqual(e, a)) this.differences.push({ kind, name, field, expected: e, actual: a });
    });
    if (this.differences.length === before) this.matched++;
  }

  result(): CatalogComparison {
    return { items: this.items, matched: this.matched, match: this.items === 0 ? 1 : this.matched / this.items, differences: this.differences };
  }
}

function compareTable(e: TableInfo, a: TableInfo, field: Field): void {
  field('kind', e.kind, a.kind);
  field('partitionOf', e.partitionOf, a.partitionOf);
  field('replicaIdentity', e.replicaIdentity, a.replicaIdentity);
  field('replicaIdentityIndex', e.replicaIdentityIndex, a.replicaIdentityIndex);
  const eNames = e.columns.map((c) => c.name);
  const aNames = a.columns.map((c) => c.name);
  if (deepEqual([...eNames].sort(), [...aNames].sort())) field('column order', eNames, aNames);
}

/** The columns and constraints of a table both sides have: each an object of its own. */
function compareTableContents(e: TableInfo, a: TableInfo, tally: Tally): void {
  const eNames = e.columns.map((c) => c.name);
  const aNames = a.columns.map((c) => c.name);
  const table = `${e.schema}.${e.name}`;
  for (const name of union(eNames, aNames, false)) {
    const ec = e.columns.find((c) => c.name === name);
    const ac = a.columns.find((c) => c.name === name);
    tally.object('column', `${table}.${name}`, !!ec, !!ac, (f) => compareColumn(ec!, ac!, f));
  }
  const byName = (list: ConstraintInfo[], other: ConstraintInfo[]) => list.filter((c) => !other.some((o) => o.name === c.name));
  for (const ec of e.constraints) {
    const ac = a.constraints.find((c) => c.name === ec.name);
    if (ac) tally.object('constraint', `${table}.${ec.name}`, true, true, (f) => compareConstraint(ec, ac, f));
  }
  pairByShape(
    'constraint',
    byName(e.constraints, a.constraints),
    byName(a.constraints, e.constraints),
    (c) => `${table}.${c.name}`,
    (c) => `${c.kind}|${c.columns.join(',')}|${c.references ? `${c.references.table.schema}.${c.references.table.name}` : ''}`,
    compareConstraint,
    tally,
  );
}

function compareColumn(e: ColumnInfo, a: ColumnInfo, field: Field): void {
  field('type', e.type, a.type);
  field('notNull', e.notNull, a.notNull);
  const expectedDefault = normalizedOrAbsent(e.default);
  const actualDefault = normalizedOrAbsent(a.default);
  const same = expectedDefault !== undefined && actualDefault !== undefined && sameExpression(expectedDefault, actualDefault);
  field('default', expectedDefault, same ? expectedDefault : actualDefault);
  if (e.default !== undefined && a.default !== undefined && e.defaultVolatile !== undefined && a.defaultVolatile !== undefined) {
    field('defaultVolatile', e.defaultVolatile, a.defaultVolatile);
  }
  field('generated', e.generated, a.generated);
  field('identity', e.identity, a.identity);
}

/** A default's normalized text; `DEFAULT NULL` (stored by PostgreSQL as `NULL::type`) is no default. */
function normalizedOrAbsent(text: string | undefined): string | undefined {
  const normalized = text === undefined ? undefined : normalizeExpression(text);
  return normalized === 'null' ? undefined : normalized;
}

function compareConstraint(e: ConstraintInfo, a: ConstraintInfo, field: Field): void {
  field('name', e.name, a.name);
  field('kind', e.kind, a.kind);
  field('columns', e.columns, a.columns);
  field('validated', e.validated, a.validated);
  field('references', e.references, a.references);
  field('isNotNullCheckOf', e.isNotNullCheckOf, a.isNotNullCheckOf);
  field('index', e.index, a.index);
}

function compareIndex(e: IndexInfo, a: IndexInfo, field: Field): void {
  field('name', e.name, a.name);
  field('table', e.table, a.table);
  field('unique', e.unique, a.unique);
  field('primary', e.primary, a.primary);
  field('valid', e.valid, a.valid);
  const expectedColumns = e.columns.map(normalizeExpression);
  const actualColumns = a.columns.map((c, i) => (expectedColumns[i] !== undefined && sameExpression(expectedColumns[i]!, c) ? expectedColumns[i]! : normalizeExpression(c)));
  field('columns', expectedColumns, actualColumns);
  field('partial', e.partial, a.partial);
  field('method', e.method, a.method);
}

function compareView(e: ViewInfo, a: ViewInfo, field: Field): void {
  field('materialized', e.materialized, a.materialized);
  const tables = (v: ViewInfo) => v.dependsOn.map((d) => nameOf(d.table)).sort();
  field('dependsOn', tables(e), tables(a));
  for (const dependency of e.dependsOn) {
    const other = a.dependsOn.find((d) => nameOf(d.table) === nameOf(dependency.table));
    if (other?.columns && dependency.columns) {
      field(`dependsOn ${nameOf(dependency.table)} columns`, [...dependency.columns].sort(), [...other.columns].sort());
    }
  }
}

function comparePublication(e: PublicationInfo, a: PublicationInfo, field: Field): void {
  field('allTables', e.allTables, a.allTables);
  field('publish', [...e.publish].sort(), [...a.publish].sort());
  const tables = (p: PublicationInfo) =>
    p.tables.map((t) => ({ table: nameOf(t.table), columns: t.columns ? [...t.columns].sort() : undefined, filtered: t.filtered === true })).sort((x, y) => x.table.localeCompare(y.table));
  field('tables', tables(e), tables(a));
  field('schemas', [...e.schemas].sort(), [...a.schemas].sort());
}

/**
 * Objects left unpaired by name are paired by shape (a differently generated
 * name for the same thing): those count once, with a `name` difference; the
 * rest are missing on one side.
 */
function pairByShape<T extends { name: string }>(
  kind: CatalogObjectKind,
  expectedOnly: T[],
  actualOnly: T[],
  display: (item: T) => string,
  shape: (item: T) => string,
  compare: (e: T, a: T, field: Field) => void,
  tally: Tally,
): void {
  const remaining = [...actualOnly];
  for (const e of expectedOnly) {
    const index = remaining.findIndex((a) => shape(a) === shape(e));
    if (index < 0) {
      tally.object(kind, display(e), true, false, () => {});
      continue;
    }
    const [a] = remaining.splice(index, 1);
    tally.object(kind, display(e), true, true, (field) => compare(e, a!, field));
  }
  for (const a of remaining) tally.object(kind, display(a), false, true, () => {});
}

function nameOf(name: ObjectName): string {
  return `${name.schema}.${name.name}`;
}

/** Keys of both sides, sorted (or in first-seen order), each once. */
function union(a: string[], b: string[], sort = true): string[] {
  const all = [...new Set([...a, ...b])];
  return sort ? all.sort() : all;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
