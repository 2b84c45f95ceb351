import type { Node, RangeVar } from '@pgsql/types';
import { nameOfRangeVar, stringValue } from '../sql/names.js';
import { catalogKey, type ObjectName, type ViewInfo } from './catalog.js';
import { noteDependent } from './dependents.js';
import type { ReplayScope } from './replay-scope.js';

/**
 * CREATE [OR REPLACE] [MATERIALIZED] VIEW: what it reads, as far as the parse
 * tree shows — every table or view named in the query (CTE names aside), and
 * the columns referenced: `alias.col` goes to that relation, a bare `col` to
 * the relations of the query that have it (or the only one), `*` reads all.
 * Subqueries are flattened into the same list: a dependency is a dependency.
 */
export function createView(scope: ReplayScope, relation: RangeVar | undefined, query: Node | undefined, materialized: boolean, replace: boolean): void {
  const written = nameOfRangeVar(relation);
  if (!written || !query || relation?.relpersistence === 't') return;
  const name = scope.newName(written);
  const key = catalogKey(name);
  if (scope.catalog.views.has(key)) {
    if (!replace) return;
    scope.catalog.views.delete(key);
  } else if (scope.relationTaken(name.schema)(name.name)) return;
  const view: ViewInfo = { ...name, materialized, dependsOn: dependencies(scope, query) };
  scope.catalog.schemas.add(name.schema);
  scope.catalog.views.set(key, view);
  for (const d of view.dependsOn) noteDependent(scope.catalog, d.table, 'view', view);
}

interface Reads {
  relation: ObjectName;
  alias: string;
  columns: Set<string> | undefined;
}

function dependencies(scope: ReplayScope, query: Node): ViewInfo['dependsOn'] {
  const ctes = new Set<string>();
  const relations: RangeVar[] = [];
  const refs: Node[][] = [];
  walk(query, (key, value) => {
    if (key === 'CommonTableExpr') {
      const name = (value as { ctename?: string }).ctename;
      if (name) ctes.add(name);
    } else if (key === 'RangeVar') relations.push(value as RangeVar);
    else if (key === 'ColumnRef') refs.push((value as { fields?: Node[] }).fields ?? []);
  });
  const reads: Reads[] = [];
  for (const rangeVar of relations) {
    const name = nameOfRangeVar(rangeVar);
    if (!name || (name.schema === undefined && ctes.has(name.name))) continue;
    const relation = scope.relationName(name);
    const alias = rangeVar.alias?.aliasname ?? name.name;
    const existing = reads.find((r) => r.relation.schema === relation.schema && r.relation.name === relation.name);
    if (existing) continue;
    reads.push({ relation, alias, columns: new Set() });
  }
  const columnsOf = (relation: ObjectName): string[] | undefined =>
    scope.catalog.tables.get(catalogKey(relation))?.columns.map((c) => c.name);
  for (const fields of refs) {
    const star = fields.some((f) => 'A_Star' in f);
    const names = fields.map(stringValue);
    const qualifier = names.length >= 2 ? names[names.length - 2] : undefined;
    const column = names[names.length - 1];
    const targets =
      qualifier !== undefined
        ? reads.filter((r) => r.alias === qualifier || r.relation.name === qualifier)
        : star
          ? reads
          : reads.filter((r) => column !== undefined && columnsOf(r.relation)?.includes(column));
    const chosen = targets.length > 0 ? targets : reads.length === 1 ? reads : [];
    for (const target of chosen) {
      // `*` is expanded when the view is created: it reads the columns the table has now, not later ones.
      const now = star ? columnsOf(target.relation) : undefined;
      if (star && !now) target.columns = undefined;
      else for (const name of now ?? [column]) if (name !== undefined) target.columns?.add(name);
    }
  }
  return reads.map((r) => ({ table: r.relation, ...(r.columns ? { columns: [...r.columns] } : {}) }));
}

/** Calls `visit` with every node type and body below `root`. */
function walk(root: unknown, visit: (key: string, value: unknown) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    // Children go on the stack last-first, so relations come out in the order the query names them.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i]);
    } else if (value && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i]!;
        if (/^[A-Z]/.test(key)) visit(key, inner);
        if (inner && typeof inner === 'object') stack.push(inner);
      }
    }
  }
}

