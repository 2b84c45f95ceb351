import type { Node, RangeVar, ResTarget } from '@pgsql/types';
import type { Catalog } from '../schema/catalog.js';
import { nameOfList, stringValue } from '../sql/names.js';
import { relationSchema, type RemovedObject } from './removed-objects.js';

/** What one application statement names, read from its parse tree. */
interface Mentions {
  /** Relations it reads or writes, by `schema.name`; with the aliases that stand for each. */
  relations: Map<string, Set<string>>;
  /** Column references: `[qualifier…, column]`, `*` for a star; a lone name may be a whole-row reference. */
  columns: string[][];
  /** Columns an INSERT, UPDATE, MERGE or ON CONFLICT writes, per target relation (`*`: an INSERT without a column list). */
  written: Map<string, Set<string>>;
  functions: { schema: string | undefined; name: string }[];
}

/**
 * The removed objects one statement uses, resolved against the catalog as it
 * stands before contract. Conservative where the parse tree alone cannot
 * tell: an unqualified column name counts for every table of the statement
 * that has it, `*` (and `t.*`, a whole-row `t`, an INSERT without a column
 * list) for every column; a statement reading a view counts for the columns
 * the view reads. A statement that never names a column's table does not use
 * that column, whatever its column names.
 */
export function removedObjectsUsed(node: Node, removed: readonly RemovedObject[], catalog: Catalog): RemovedObject[] {
  const mentions = collectMentions(node, catalog);
  return removed.filter((object) => uses(mentions, object, catalog));
}

function uses(mentions: Mentions, object: RemovedObject, catalog: Catalog): boolean {
  const key = `${object.schema}.${object.name}`;
  if (object.kind === 'function') return mentions.functions.some((f) => f.name === object.name && (f.schema === undefined || f.schema === object.schema));
  if (object.kind !== 'column') return mentions.relations.has(key);
  const column = object.column!;
  const table = { schema: object.schema, name: object.name };
  // A view that reads the column breaks with it (DROP … CASCADE takes the view along).
  if (catalog.viewsUsing(table, column).some((v) => mentions.relations.has(`${v.schema}.${v.name}`))) return true;
  const aliases = mentions.relations.get(key);
  if (!aliases) return false;
  if ([...(mentions.written.get(key) ?? [])].some((c) => c === column || c === '*')) return true;
  return mentions.columns.some((ref) => {
    const last = ref[ref.length - 1]!;
    if (ref.length === 1) return last === column || last === '*' || aliases.has(last);
    const qualifier = ref.length >= 3 ? `${ref[ref.length - 3]}.${ref[ref.length - 2]}` : ref[ref.length - 2]!;
    return (last === column || last === '*') && (aliases.has(qualifier) || qualifier === key);
  });
}

function collectMentions(root: Node, catalog: Catalog): Mentions {
  const mentions: Mentions = { relations: new Map(), columns: [], written: new Map(), functions: [] };
  const cteNames = new Set<string>();
  const relationKey = (relation: RangeVar | undefined): string | undefined => {
    if (!relation?.relname) return undefined;
    if (!relation.schemaname && cteNames.has(relation.relname)) return undefined;
    return `${relationSchema(catalog, { schema: relation.schemaname, name: relation.relname })}.${relation.relname}`;
  };
  // DML targets are bare RangeVars (not `{ RangeVar: … }` nodes), FROM items wrapped ones: both come here.
  const addRelation = (relation: RangeVar | undefined): void => {
    const relKey = relationKey(relation);
    if (!relKey) return;
    const aliases = mentions.relations.get(relKey) ?? new Set<string>();
    aliases.add(relation!.alias?.aliasname ?? relation!.relname!);
    if (relation!.schemaname && !relation!.alias) aliases.add(`${relation!.schemaname}.${relation!.relname}`);
    mentions.relations.set(relKey, aliases);
  };
  const write = (relation: RangeVar | undefined, columns: readonly string[]): void => {
    const key = relationKey(relation);
    if (!key) return;
    const set = mentions.written.get(key) ?? new Set<string>();
    for (const c of columns) set.add(c);
    mentions.written.set(key, set);
  };
  const targetNames = (targets: Node[] | undefined): string[] =>
    (targets ?? []).flatMap((t) => ('ResTarget' in t && (t.ResTarget as ResTarget).name ? [(t.ResTarget as ResTarget).name!] : []));

  // CTE names first: a FROM naming one reads the CTE, not a table of that name.
  walk(root, (key, value) => {
    if (key === 'CommonTableExpr' && typeof (value as { ctename?: string }).ctename === 'string') cteNames.add((value as { ctename: string }).ctename);
  });
  walk(root, (key, value) => {
    switch (key) {
      case 'RangeVar':
        addRelation(value as RangeVar);
        return;
      case 'DeleteStmt':
        addRelation((value as { relation?: RangeVar }).relation);
        return;
      case 'ColumnRef': {
        const fields = ((value as { fields?: Node[] }).fields ?? []).map((f) => ('A_Star' in f ? '*' : (stringValue(f) ?? '')));
        if (fields.length > 0) mentions.columns.push(fields);
        return;
      }
      case 'FuncCall': {
        const name = nameOfList((value as { funcname?: Node[] }).funcname);
        if (name && name.schema !== 'pg_catalog') mentions.functions.push(name);
        return;
      }
      case 'InsertStmt': {
        const insert = value as { relation?: RangeVar; cols?: Node[]; onConflictClause?: { targetList?: Node[] } };
        addRelation(insert.relation);
        const columns = targetNames(insert.cols);
        write(insert.relation, [...(columns.length > 0 ? columns : ['*']), ...targetNames(insert.onConflictClause?.targetList)]);
        return;
      }
      case 'UpdateStmt':
        addRelation((value as { relation?: RangeVar }).relation);
        write((value as { relation?: RangeVar }).relation, targetNames((value as { targetList?: Node[] }).targetList));
        return;
      case 'CopyStmt': {
        // COPY t TO/FROM reads or writes the listed columns, all of them without a list.
        const copy = value as { relation?: RangeVar; attlist?: Node[] };
        if (!copy.relation) return;
        addRelation(copy.relation);
        const columns = (copy.attlist ?? []).map(stringValue).filter((c): c is string => c !== undefined);
        write(copy.relation, columns.length > 0 ? columns : ['*']);
        return;
      }
      case 'MergeStmt': {
        const merge = value as { relation?: RangeVar; mergeWhenClauses?: Node[] };
        addRelation(merge.relation);
        for (const clause of merge.mergeWhenClauses ?? []) {
          const when = 'MergeWhenClause' in clause ? (clause.MergeWhenClause as { commandType?: string; targetList?: Node[] }) : undefined;
          if (!when) continue;
          const columns = targetNames(when.targetList);
          write(merge.relation, when.commandType === 'CMD_INSERT' && columns.length === 0 ? ['*'] : columns);
        }
        return;
      }
    }
  });
  return mentions;
}

/** Calls `visit(nodeType, body)` for every node of a parse tree (`{ Kind: body }` objects), depth first. */
function walk(value: unknown, visit: (key: string, body: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, body] of Object.entries(value)) {
    if (typeof body === 'object' && body !== null && /^[A-Z]/.test(key)) visit(key, body);
    walk(body, visit);
  }
}
