import type { Node } from '@pgsql/types';
import { nameOfList, nameOfRangeVar, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import type { ObjectKind } from './created-objects.js';

/**
 * The name of one object in a DROP list or an ALTER … RENAME / SET SCHEMA,
 * whatever node shape its kind uses: `a.b` lists (views, sequences),
 * `ObjectWithArgs` (functions), `TypeName` (types, domains), a bare string (schemas).
 */
export function objectName(object: Node | undefined): QualifiedName | undefined {
  if (!object) return undefined;
  if ('List' in object) return nameOfList(object.List.items);
  if ('ObjectWithArgs' in object) return nameOfList(object.ObjectWithArgs.objname);
  if ('TypeName' in object) return nameOfList(object.TypeName.names);
  if ('String' in object && object.String.sval) return { schema: undefined, name: object.String.sval };
  return undefined;
}

/** The object of `kind` a statement creates (CREATE [OR REPLACE] VIEW, FUNCTION, TYPE, SEQUENCE, SCHEMA), if any. */
export function createdName(statement: Statement, kind: ObjectKind): QualifiedName | undefined {
  switch (kind) {
    case 'view':
      return nameOfRangeVar(nodeOf(statement, 'ViewStmt')?.view ?? nodeOf(statement, 'CreateTableAsStmt')?.into?.rel);
    case 'function':
      return nameOfList(nodeOf(statement, 'CreateFunctionStmt')?.funcname);
    case 'sequence':
      return nameOfRangeVar(nodeOf(statement, 'CreateSeqStmt')?.sequence);
    case 'schema': {
      const schema = nodeOf(statement, 'CreateSchemaStmt')?.schemaname;
      return schema ? { schema: undefined, name: schema } : undefined;
    }
    case 'type': {
      const define = nodeOf(statement, 'DefineStmt');
      return (
        nameOfList(nodeOf(statement, 'CreateEnumStmt')?.typeName) ??
        nameOfList(nodeOf(statement, 'CreateDomainStmt')?.domainname) ??
        nameOfList(nodeOf(statement, 'CreateRangeStmt')?.typeName) ??
        nameOfRangeVar(nodeOf(statement, 'CompositeTypeStmt')?.typevar) ??
        (define?.kind === 'OBJECT_TYPE' ? nameOfList(define.defnames) : undefined)
      );
    }
    default:
      return undefined;
  }
}

/** RENAME targets by the kind the migration records them under. */
const RENAME_KINDS: Partial<Record<string, ObjectKind>> = {
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_ROUTINE: 'function',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_SCHEMA: 'schema',
  OBJECT_TYPE: 'type',
  OBJECT_DOMAIN: 'type',
};

/** `ALTER <kind> old RENAME TO new` of a view, function, sequence, schema or type: the name it leaves and the name it takes. */
export function renamedObject(statement: Statement): { kind: ObjectKind; from: QualifiedName; to: QualifiedName } | undefined {
  const rename = nodeOf(statement, 'RenameStmt');
  const kind = rename?.renameType ? RENAME_KINDS[rename.renameType] : undefined;
  if (!rename || !kind || !rename.newname) return undefined;
  const from =
    kind === 'schema' ? (rename.subname ? { schema: undefined, name: rename.subname } : undefined) : (nameOfRangeVar(rename.relation) ?? objectName(rename.object));
  if (!from) return undefined;
  // RENAME keeps the schema: the new name lives where the old one did.
  return { kind, from, to: { schema: from.schema, name: rename.newname } };
}
