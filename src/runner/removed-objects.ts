import type { Node } from '@pgsql/types';
import type { Catalog } from '../schema/catalog.js';
import { nameOfList, nameOfRangeVar, type QualifiedName } from '../sql/names.js';
import type { Statement } from '../sql/statement.js';

/** Something a contract section takes away from the application: after it runs, a query naming it fails. */
export interface RemovedObject {
  kind: 'column' | 'table' | 'view' | 'function';
  schema: string;
  /** For a column: its table; otherwise the object's own name. */
  name: string;
  column?: string;
  /** How the contract section removes it, e.g. `DROP COLUMN`, `RENAME TABLE`. */
  how: string;
}

/** `public.users.name`, `table public.orders`, `function public.f`: how messages name a removed object. */
export function describeRemoved(object: RemovedObject): string {
  return object.kind === 'column' ? `column ${object.schema}.${object.name}.${object.column}` : `${object.kind} ${object.schema}.${object.name}`;
}

/**
 * The columns, tables, views and functions that contract statements drop or
 * rename away, schemas resolved against the catalog as it stands before
 * contract (an unqualified name: the first schema of the search path that has
 * it, else `public`). Everything else a contract does (validating, adding
 * NOT NULL, dropping triggers or indexes) leaves queries working.
 */
export function removedObjects(statements: readonly Statement[], catalog: Catalog): RemovedObject[] {
  const found = new Map<string, RemovedObject>();
  const add = (object: RemovedObject): void => void found.set(`${object.kind} ${object.schema}.${object.name}.${object.column ?? ''}`, object);
  for (const statement of statements) {
    const node = statement.node;
    if (!node) continue;
    if ('AlterTableStmt' in node) {
      const alter = node.AlterTableStmt;
      const table = nameOfRangeVar(alter.relation);
      if (!table || (alter.objtype !== undefined && alter.objtype !== 'OBJECT_TABLE')) continue;
      for (const cmd of alter.cmds ?? []) {
        const body = 'AlterTableCmd' in cmd ? cmd.AlterTableCmd : undefined;
        if (body?.subtype === 'AT_DropColumn' && body.name) add({ kind: 'column', schema: relationSchema(catalog, table), name: table.name, column: body.name, how: 'DROP COLUMN' });
      }
    } else if ('DropStmt' in node) {
      const drop = node.DropStmt;
      const kind = DROPPED[drop.removeType ?? ''];
      if (!kind) continue;
      for (const object of drop.objects ?? []) {
        const name = kind === 'function' ? functionName(object) : 'List' in object ? nameOfList(object.List.items) : undefined;
        if (name) add({ kind, schema: kind === 'function' ? (name.schema ?? 'public') : relationSchema(catalog, name), name: name.name, how: `DROP ${kind.toUpperCase()}` });
      }
    } else if ('RenameStmt' in node) {
      const rename = node.RenameStmt;
      const relation = nameOfRangeVar(rename.relation);
      if (rename.renameType === 'OBJECT_COLUMN' && relation && rename.subname) {
        add({ kind: 'column', schema: relationSchema(catalog, relation), name: relation.name, column: rename.subname, how: 'RENAME COLUMN' });
      } else if ((rename.renameType === 'OBJECT_TABLE' || rename.renameType === 'OBJECT_VIEW' || rename.renameType === 'OBJECT_MATVIEW') && relation) {
        const kind = rename.renameType === 'OBJECT_TABLE' ? 'table' : 'view';
        add({ kind, schema: relationSchema(catalog, relation), name: relation.name, how: `RENAME ${kind.toUpperCase()}` });
      } else if (rename.renameType === 'OBJECT_FUNCTION' && rename.object) {
        const name = functionName(rename.object);
        if (name) add({ kind: 'function', schema: name.schema ?? 'public', name: name.name, how: 'RENAME FUNCTION' });
      }
    }
  }
  return [...found.values()];
}

const DROPPED: Record<string, RemovedObject['kind'] | undefined> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_FUNCTION: 'function',
};

function functionName(object: Node): QualifiedName | undefined {
  return 'ObjectWithArgs' in object ? nameOfList(object.ObjectWithArgs.objname) : undefined;
}

/** The schema an unqualified table or view name resolves to. */
export function relationSchema(catalog: Catalog, name: QualifiedName): string {
  return name.schema ?? catalog.table(name)?.schema ?? catalog.view(name)?.schema ?? 'public';
}
