import type { RangeVar } from '@pgsql/types';
import { nameOfRangeVar, type QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';
import { catalogKey, type Catalog, type ObjectName, type TableInfo } from './catalog.js';
import type { TypeSchemaLookup } from './format-type.js';

/** What the replay of one statement needs: the catalog, the session's search_path, and the statement's text. */
export class ReplayScope {
  constructor(
    readonly catalog: Catalog,
    readonly searchPath: readonly string[],
    readonly statement: Statement,
  ) {}

  /** The schema a new unqualified object goes to: the first schema of search_path that exists. */
  creationSchema(name: QualifiedName): string {
    if (name.schema !== undefined) return name.schema;
    return this.searchPath.find((s) => this.catalog.schemas.has(s)) ?? this.searchPath[0] ?? 'public';
  }

  /** The name a new object gets. */
  newName(name: QualifiedName): ObjectName {
    return { schema: this.creationSchema(name), name: name.name };
  }

  table(relation: RangeVar | QualifiedName | undefined): TableInfo | undefined {
    const name = relation && 'relname' in relation ? nameOfRangeVar(relation) : (relation as QualifiedName | undefined);
    return name ? this.catalog.table(name, this.searchPath) : undefined;
  }

  /** Where an existing relation of any kind lives (a table, view, index or sequence), or where a new one would go. */
  relationName(name: QualifiedName): ObjectName {
    const c = this.catalog;
    const found = c.table(name, this.searchPath) ?? c.view(name, this.searchPath) ?? c.index(name, this.searchPath) ?? c.sequence(name, this.searchPath);
    return found ? { schema: found.schema, name: found.name } : this.newName(name);
  }

  /** Whether a relation (table, view, index, sequence) of that name exists in `schema`: index and sequence names must not collide with it. */
  relationTaken(schema: string): (name: string) => boolean {
    const c = this.catalog;
    return (name) => {
      const key = catalogKey({ schema, name });
      return c.tables.has(key) || c.indexes.has(key) || c.views.has(key) || c.sequences.has(key);
    };
  }

  /** Whether a constraint of that name exists on any table of `schema` (PostgreSQL picks generated names unique per schema). */
  constraintTaken(schema: string, extra: readonly { name: string }[] = []): (name: string) => boolean {
    return (name) =>
      extra.some((c) => c.name === name) ||
      [...this.catalog.tables.values()].some((t) => t.schema === schema && t.constraints.some((c) => c.name === name));
  }

  /** The schema of a user type named without one, found through search_path among the enums the catalog knows. */
  readonly typeLookup: TypeSchemaLookup = (name) => this.catalog.enumType({ schema: undefined, name }, this.searchPath)?.schema;
}

export function sameObject(a: ObjectName, b: ObjectName): boolean {
  return a.schema === b.schema && a.name === b.name;
}
