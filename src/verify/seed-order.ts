import type { SeedTable } from './seed-catalog.js';

export interface SeedOrder {
  /** Parents before children. */
  ordered: SeedTable[];
  /** Per table oid, the foreign keys left NULL to break a cycle (all their columns are nullable). */
  nulled: Map<number, Set<string>>;
  /** Tables in a cycle of NOT NULL foreign keys: nothing can be inserted first. */
  cyclic: SeedTable[];
}

/**
 * Orders tables so that every foreign key's parent is filled before its
 * child. A self-reference is no edge (the seed handles it in the row). A
 * cycle is broken at a table whose foreign keys into the cycle are all
 * nullable: they stay NULL. When no such table is left, the tables on a
 * cycle are given up, and the tables that only wait on them are still ordered.
 */
export function seedOrder(tables: readonly SeedTable[]): SeedOrder {
  const remaining = new Map(tables.map((t) => [t.oid, t]));
  const ordered: SeedTable[] = [];
  const nulled = new Map<number, Set<string>>();
  const cyclic: SeedTable[] = [];
  const nullable = (table: SeedTable, columns: readonly string[]): boolean => columns.every((c) => !table.columns.find((col) => col.name === c)?.notNull);
  const waitingOn = (table: SeedTable) => table.foreignKeys.filter((fk) => fk.parent !== table.oid && remaining.has(fk.parent) && !nulled.get(table.oid)?.has(fk.name));

  while (remaining.size > 0) {
    const ready = [...remaining.values()].filter((t) => waitingOn(t).length === 0);
    if (ready.length > 0) {
      for (const table of ready) {
        ordered.push(table);
        remaining.delete(table.oid);
      }
      continue;
    }
    const breakable = [...remaining.values()].find((t) => waitingOn(t).every((fk) => nullable(t, fk.columns)));
    if (breakable) {
      nulled.set(breakable.oid, new Set([...(nulled.get(breakable.oid) ?? []), ...waitingOn(breakable).map((fk) => fk.name)]));
      continue;
    }
    // Only the tables on a cycle are given up; the ones that merely wait on them go on (their keys into them stay NULL, or fail).
    for (const table of [...remaining.values()].filter((t) => onCycle(t, remaining, waitingOn))) {
      cyclic.push(table);
      remaining.delete(table.oid);
    }
  }
  return { ordered, nulled, cyclic };
}

/** Whether following the foreign keys a table waits on leads back to it. */
function onCycle(start: SeedTable, tables: ReadonlyMap<number, SeedTable>, waitingOn: (table: SeedTable) => { parent: number }[]): boolean {
  const seen = new Set<number>();
  const visit = (table: SeedTable): boolean => {
    for (const fk of waitingOn(table)) {
      if (fk.parent === start.oid) return true;
      if (seen.has(fk.parent)) continue;
      seen.add(fk.parent);
      const parent = tables.get(fk.parent);
      if (parent && visit(parent)) return true;
    }
    return false;
  };
  return visit(start);
}
