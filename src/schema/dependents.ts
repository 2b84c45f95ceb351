import { catalogKey, type Catalog, type IndexInfo, type ObjectName, type SequenceInfo, type TableInfo, type ViewInfo } from './catalog.js';

type Kind = 'index' | 'table' | 'view' | 'sequence';

/**
 * Which objects may point at a table or view — its indexes, tables with a
 * foreign key to it or partitions of it, views reading it, sequences it owns —
 * so a DROP or RENAME in a history of thousands of tables does not scan them
 * all. Built from the catalog on first use, then kept up by the replay as it
 * adds references; it may name objects that no longer exist or no longer
 * point there (a lookup checks each one), never miss one. Renames drop it:
 * it is rebuilt on the next lookup.
 */
const maps = new WeakMap<Catalog, Map<string, Set<string>>>();

function build(catalog: Catalog): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  maps.set(catalog, map);
  for (const index of catalog.indexes.values()) noteDependent(catalog, index.table, 'index', index);
  for (const table of catalog.tables.values()) {
    if (table.partitionOf) noteDependent(catalog, table.partitionOf, 'table', table);
    for (const c of table.constraints) if (c.references) noteDependent(catalog, c.references.table, 'table', table);
  }
  for (const view of catalog.views.values()) for (const d of view.dependsOn) noteDependent(catalog, d.table, 'view', view);
  for (const sequence of catalog.sequences.values()) if (sequence.ownedBy) noteDependent(catalog, sequence.ownedBy.table, 'sequence', sequence);
  return map;
}

/** Records that `object` (of `kind`) may point at `on`; a no-op until the first lookup builds the map. */
export function noteDependent(catalog: Catalog, on: ObjectName, kind: Kind, object: ObjectName): void {
  const map = maps.get(catalog);
  if (!map) return;
  const key = catalogKey(on);
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(`${kind} ${catalogKey(object)}`);
}

/** After a rename or a move: keys changed, the map is rebuilt when next needed. */
export function forgetDependents(catalog: Catalog): void {
  maps.delete(catalog);
}

function candidates<T>(catalog: Catalog, on: ObjectName, kind: Kind, objects: ReadonlyMap<string, T>): T[] {
  const set = (maps.get(catalog) ?? build(catalog)).get(catalogKey(on));
  if (!set) return [];
  const prefix = `${kind} `;
  const found: T[] = [];
  for (const entry of set) {
    if (!entry.startsWith(prefix)) continue;
    const object = objects.get(entry.slice(prefix.length));
    if (object !== undefined && !found.includes(object)) found.push(object);
  }
  return found;
}

const same = (a: ObjectName, b: ObjectName): boolean => a.schema === b.schema && a.name === b.name;

export function indexesOn(catalog: Catalog, on: ObjectName): IndexInfo[] {
  return candidates(catalog, on, 'index', catalog.indexes).filter((i) => same(i.table, on));
}

/** Tables with a foreign key to `on`, or partitions of it (check which with their fields). */
export function tablesPointingAt(catalog: Catalog, on: ObjectName): TableInfo[] {
  return candidates(catalog, on, 'table', catalog.tables).filter(
    (t) => (t.partitionOf !== undefined && same(t.partitionOf, on)) || t.constraints.some((c) => c.references !== undefined && same(c.references.table, on)),
  );
}

export function partitionsOf(catalog: Catalog, on: ObjectName): TableInfo[] {
  return tablesPointingAt(catalog, on).filter((t) => t.partitionOf !== undefined && same(t.partitionOf, on) && !same(t, on));
}

export function viewsReading(catalog: Catalog, on: ObjectName): ViewInfo[] {
  return candidates(catalog, on, 'view', catalog.views).filter((v) => v.dependsOn.some((d) => same(d.table, on)));
}

export function sequencesOwnedBy(catalog: Catalog, on: ObjectName): SequenceInfo[] {
  return candidates(catalog, on, 'sequence', catalog.sequences).filter((s) => s.ownedBy !== undefined && same(s.ownedBy.table, on));
}
