import type { AlterEnumStmt, AlterObjectSchemaStmt, CreateSeqStmt, DropStmt, IndexStmt, Node, RenameStmt } from '@pgsql/types';
import { nameOfList, nameOfRangeVar, quoteIdent, stringValue, type QualifiedName } from '../sql/names.js';
import { catalogKey, type Catalog, type EnumInfo, type IndexInfo, type ObjectName } from './catalog.js';
import { indexesOn, noteDependent, sequencesOwnedBy } from './dependents.js';
import { chooseName, columnsAddition } from './generated-names.js';
import { dropSchema, dropTable, dropView } from './replay-drop.js';
import { forgetReplicaIdentityIndex } from './replay-publication.js';
import { sameObject, type ReplayScope } from './replay-scope.js';
import { renameColumn, renameRelation } from './replay-rename.js';
import { indexColumnName, indexKeyText } from './table-elements.js';

/** CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS]: valid, as after a run that succeeded. */
export function createIndex(scope: ReplayScope, stmt: IndexStmt): void {
  const onName = nameOfRangeVar(stmt.relation);
  if (!onName) return;
  const on = scope.table(onName) ?? scope.catalog.view(onName, scope.searchPath);
  if (!on) return;
  const elements = (stmt.indexParams ?? []).flatMap((p) => ('IndexElem' in p ? [p.IndexElem] : []));
  const taken = scope.relationTaken(on.schema);
  const label = stmt.primary ? 'pkey' : stmt.isconstraint ? 'key' : 'idx';
  const name = stmt.idxname ?? chooseName(on.name, columnsAddition(elements.map(indexColumnName)), label, taken);
  if (taken(name)) return;
  const index: IndexInfo = {
    schema: on.schema,
    name,
    table: { schema: on.schema, name: on.name },
    unique: stmt.unique === true,
    primary: stmt.primary === true,
    valid: true,
    columns: elements.map((e) => indexKeyText(e, scope)),
    partial: stmt.whereClause !== undefined,
    method: stmt.accessMethod ?? 'btree',
  };
  scope.catalog.indexes.set(catalogKey(index), index);
  noteDependent(scope.catalog, index.table, 'index', index);
}

/** DROP TABLE / INDEX / VIEW / MATERIALIZED VIEW / TYPE / SEQUENCE / SCHEMA. */
export function drop(scope: ReplayScope, stmt: DropStmt): void {
  const catalog = scope.catalog;
  for (const object of stmt.objects ?? []) {
    switch (stmt.removeType) {
      case 'OBJECT_TABLE': {
        const table = scope.table(listName(object));
        if (table) dropTable(catalog, table);
        break;
      }
      case 'OBJECT_INDEX': {
        const index = listName(object) && catalog.index(listName(object)!, scope.searchPath);
        if (index) {
          catalog.indexes.delete(catalogKey(index));
          forgetReplicaIdentityIndex(catalog, index);
        }
        break;
      }
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW': {
        const view = listName(object) && catalog.view(listName(object)!, scope.searchPath);
        if (view) dropView(catalog, view);
        break;
      }
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const name = 'TypeName' in object ? nameOfList(object.TypeName.names) : listName(object);
        const type = name && catalog.enumType(name, scope.searchPath);
        if (type) catalog.enums.delete(catalogKey(type));
        break;
      }
      case 'OBJECT_SEQUENCE': {
        const sequence = listName(object) && catalog.sequence(listName(object)!, scope.searchPath);
        if (sequence) catalog.sequences.delete(catalogKey(sequence));
        break;
      }
      case 'OBJECT_SCHEMA': {
        const schema = stringValue(object);
        if (schema !== undefined) dropSchema(catalog, schema);
        break;
      }
      case 'OBJECT_PUBLICATION': {
        const name = stringValue(object);
        if (name !== undefined) catalog.publications.delete(name);
        break;
      }
      default:
        break;
    }
  }
}

function listName(object: Node): QualifiedName | undefined {
  return 'List' in object ? nameOfList(object.List.items) : 'String' in object ? nameOfList([object]) : undefined;
}

/** CREATE TYPE … AS ENUM. */
export function createEnum(scope: ReplayScope, typeName: Node[] | undefined, values: Node[] | undefined): void {
  const written = nameOfList(typeName);
  if (!written) return;
  const name = scope.newName(written);
  const key = catalogKey(name);
  if (scope.catalog.enums.has(key)) return;
  scope.catalog.enums.set(key, { ...name, values: (values ?? []).map(stringValue).filter((v): v is string => v !== undefined) });
}

/** ALTER TYPE … ADD VALUE [IF NOT EXISTS] [BEFORE | AFTER] / RENAME VALUE. */
export function alterEnum(scope: ReplayScope, stmt: AlterEnumStmt): void {
  const name = nameOfList(stmt.typeName);
  const type = name && scope.catalog.enumType(name, scope.searchPath);
  if (!type || stmt.newVal === undefined) return;
  if (stmt.oldVal !== undefined) {
    const at = type.values.indexOf(stmt.oldVal);
    if (at >= 0 && !type.values.includes(stmt.newVal)) type.values[at] = stmt.newVal;
    return;
  }
  if (type.values.includes(stmt.newVal)) return;
  const neighbour = stmt.newValNeighbor !== undefined ? type.values.indexOf(stmt.newValNeighbor) : -1;
  if (neighbour < 0) type.values.push(stmt.newVal);
  else type.values.splice(stmt.newValIsAfter ? neighbour + 1 : neighbour, 0, stmt.newVal);
}

/** CREATE SEQUENCE [IF NOT EXISTS] … [OWNED BY t.c], and ALTER SEQUENCE … OWNED BY. */
export function createSequence(scope: ReplayScope, stmt: CreateSeqStmt): void {
  const written = nameOfRangeVar(stmt.sequence);
  if (!written || stmt.sequence?.relpersistence === 't') return;
  const name = scope.newName(written);
  if (scope.relationTaken(name.schema)(name.name)) return;
  const sequence = { ...name, ...ownedBy(scope, stmt.options) };
  scope.catalog.sequences.set(catalogKey(name), sequence);
  if (sequence.ownedBy) noteDependent(scope.catalog, sequence.ownedBy.table, 'sequence', sequence);
}

export function alterSequence(scope: ReplayScope, relation: Parameters<typeof nameOfRangeVar>[0], options: Node[] | undefined): void {
  const name = nameOfRangeVar(relation);
  const sequence = name && scope.catalog.sequence(name, scope.searchPath);
  if (!sequence) return;
  const owner = ownedBy(scope, options);
  if (owner.ownedBy) {
    sequence.ownedBy = owner.ownedBy;
    noteDependent(scope.catalog, owner.ownedBy.table, 'sequence', sequence);
  }
  else if ((options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'owned_by')) delete sequence.ownedBy;
}

function ownedBy(scope: ReplayScope, options: Node[] | undefined): { ownedBy?: { table: ObjectName; column: string } } {
  for (const option of options ?? []) {
    if (!('DefElem' in option) || option.DefElem.defname !== 'owned_by') continue;
    const arg = option.DefElem.arg;
    const parts = arg && 'List' in arg ? (arg.List.items ?? []).map(stringValue).filter((p): p is string => p !== undefined) : [];
    if (parts.length < 2) return {};
    const column = parts.at(-1)!;
    const table = scope.table({ schema: parts.length > 2 ? parts.at(-3) : undefined, name: parts.at(-2)! });
    return table ? { ownedBy: { table: { schema: table.schema, name: table.name }, column } } : {};
  }
  return {};
}

/** ALTER … RENAME: tables, views, indexes, sequences, columns, constraints, types, schemas. */
export function rename(scope: ReplayScope, stmt: RenameStmt): void {
  const newName = stmt.newname;
  if (newName === undefined) return;
  const catalog = scope.catalog;
  switch (stmt.renameType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_INDEX':
    case 'OBJECT_SEQUENCE': {
      const old = nameOfRangeVar(stmt.relation);
      if (old) renameRelation(catalog, scope.relationName(old), { schema: scope.relationName(old).schema, name: newName });
      break;
    }
    case 'OBJECT_COLUMN': {
      const table = scope.table(stmt.relation);
      if (table && stmt.subname) renameColumn(catalog, table, stmt.subname, newName);
      break;
    }
    case 'OBJECT_TABCONSTRAINT': {
      const table = scope.table(stmt.relation);
      const constraint = table?.constraints.find((c) => c.name === stmt.subname);
      if (!table || !constraint) break;
      constraint.name = newName;
      // A key's index is renamed with its constraint.
      if (constraint.index) {
        renameRelation(catalog, { schema: table.schema, name: constraint.index }, { schema: table.schema, name: newName });
        constraint.index = newName;
      }
      break;
    }
    case 'OBJECT_TYPE': {
      const name = stmt.object && 'List' in stmt.object ? nameOfList(stmt.object.List.items) : undefined;
      const type = name && catalog.enumType(name, scope.searchPath);
      if (!type) break;
      moveType(catalog, type, { schema: type.schema, name: newName });
      break;
    }
    case 'OBJECT_SCHEMA':
      if (stmt.subname && catalog.schemas.has(stmt.subname)) moveSchema(scope, stmt.subname, newName);
      break;
    case 'OBJECT_PUBLICATION': {
      const publication = catalog.publications.get(stringValue(stmt.object) ?? '');
      if (!publication || catalog.publications.has(newName)) break;
      catalog.publications.delete(publication.name);
      publication.name = newName;
      catalog.publications.set(newName, publication);
      break;
    }
    default:
      break;
  }
}

/**
 * Renames or moves an enum type, and the columns of that type: they store its
 * name as format_type shows it (`mood`, `billing.state`, `mood[]`), defaults
 * (`'x'::mood`) included.
 */
function moveType(catalog: Catalog, type: EnumInfo, to: ObjectName): void {
  if (catalog.enums.has(catalogKey(to))) return;
  const before = typeText(type);
  catalog.enums.delete(catalogKey(type));
  Object.assign(type, to);
  catalog.enums.set(catalogKey(type), type);
  const after = typeText(type);
  for (const table of catalog.tables.values()) {
    for (const column of table.columns) {
      if (column.type === before || column.type === `${before}[]`) column.type = after + column.type.slice(before.length);
      if (column.default?.endsWith(`::${before}`)) column.default = column.default.slice(0, -before.length) + after;
    }
  }
}

function typeText(type: ObjectName): string {
  return type.schema === 'public' ? quoteIdent(type.name) : `${quoteIdent(type.schema)}.${quoteIdent(type.name)}`;
}

/** ALTER SCHEMA … RENAME TO: every object keeps its name under the new schema. */
function moveSchema(scope: ReplayScope, from: string, to: string): void {
  const catalog = scope.catalog;
  catalog.schemas.delete(from);
  catalog.schemas.add(to);
  for (const relation of [...catalog.tables.values(), ...catalog.views.values(), ...catalog.indexes.values(), ...catalog.sequences.values()]) {
    if (relation.schema === from) renameRelation(catalog, relation, { schema: to, name: relation.name });
  }
  for (const type of [...catalog.enums.values()]) if (type.schema === from) moveType(catalog, type, { schema: to, name: type.name });
  for (const publication of catalog.publications.values()) publication.schemas = publication.schemas.map((s) => (s === from ? to : s));
}

/** ALTER TABLE / VIEW / SEQUENCE / TYPE … SET SCHEMA: a table's indexes and owned sequences move with it. */
export function setSchema(scope: ReplayScope, stmt: AlterObjectSchemaStmt): void {
  const to = stmt.newschema;
  if (to === undefined) return;
  const catalog = scope.catalog;
  if (stmt.objectType === 'OBJECT_TYPE') {
    const name = stmt.object && 'List' in stmt.object ? nameOfList(stmt.object.List.items) : undefined;
    const type = name && catalog.enumType(name, scope.searchPath);
    if (type) moveType(catalog, type, { schema: to, name: type.name });
    return;
  }
  const old = nameOfRangeVar(stmt.relation);
  if (!old) return;
  const from = scope.relationName(old);
  const table = catalog.tables.get(catalogKey(from));
  renameRelation(catalog, from, { schema: to, name: from.name });
  if (!table) return;
  const moved = { schema: to, name: from.name };
  for (const index of indexesOn(catalog, moved)) renameRelation(catalog, index, { schema: to, name: index.name });
  for (const sequence of sequencesOwnedBy(catalog, moved)) renameRelation(catalog, sequence, { schema: to, name: sequence.name });
}
