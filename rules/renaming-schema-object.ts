import { PHASES } from '../src/migrations/phase.js';
import type { ObjectKind } from '../src/lint/created-objects.js';
import { createdName, objectName, renamedObject } from '../src/lint/object-names.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { sameName } from '../src/lint/same-name.js';
import { laterInTransaction, sectionStatements } from '../src/lint/section-statements.js';
import { spanFromWords } from '../src/lint/span.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

interface Renamed {
  label: string;
  /** Under which kind the migration records such objects as created (undefined: not tracked). */
  kind?: ObjectKind;
  /** What in the old version (v1) stops working. */
  breaks: string;
}

const FUNCTION_BREAKS = 'v1’s calls to it fail with "function … does not exist"';
const TYPE_BREAKS = 'v1’s casts to it (…::name) and drivers that map the type by name fail';

// Tables, views, materialized views and foreign tables are renaming-table's, columns renaming-column's.
// Indexes, triggers and policies are left out: no application query names them (an index that backs a
// constraint is the exception, and renaming the constraint itself is flagged here).
const RENAMED: Partial<Record<string, Renamed>> = {
  OBJECT_FUNCTION: { label: 'function', kind: 'function', breaks: FUNCTION_BREAKS },
  OBJECT_PROCEDURE: { label: 'procedure', kind: 'function', breaks: 'v1’s CALLs to it fail with "procedure … does not exist"' },
  OBJECT_ROUTINE: { label: 'routine', kind: 'function', breaks: FUNCTION_BREAKS },
  OBJECT_AGGREGATE: { label: 'aggregate', breaks: FUNCTION_BREAKS },
  OBJECT_SEQUENCE: {
    label: 'sequence',
    kind: 'sequence',
    breaks: 'v1 code that names it (nextval/currval/setval, ORM sequence generators such as Hibernate’s) fails; column defaults follow the rename',
  },
  OBJECT_SCHEMA: { label: 'schema', kind: 'schema', breaks: 'every v1 query that qualifies a name with it, and every search_path that lists it, stops resolving' },
  OBJECT_TYPE: { label: 'type', kind: 'type', breaks: TYPE_BREAKS },
  OBJECT_DOMAIN: { label: 'domain', kind: 'type', breaks: TYPE_BREAKS },
  OBJECT_ATTRIBUTE: { label: 'attribute', kind: 'type', breaks: 'v1’s reads of the composite field by its old name fail' },
  OBJECT_TABCONSTRAINT: {
    label: 'constraint',
    kind: 'constraint',
    breaks: 'v1 code that names it — INSERT … ON CONFLICT ON CONSTRAINT, error handling that matches the constraint name (Ecto, Rails rescues) — breaks',
  },
  OBJECT_DOMCONSTRAINT: { label: 'domain constraint', kind: 'type', breaks: 'v1 error handling that matches the constraint name breaks' },
};

const MOVED: Partial<Record<string, { label: string; kind?: ObjectKind }>> = {
  OBJECT_TABLE: { label: 'table', kind: 'table' },
  OBJECT_FOREIGN_TABLE: { label: 'foreign table', kind: 'table' },
  OBJECT_VIEW: { label: 'view', kind: 'view' },
  OBJECT_MATVIEW: { label: 'materialized view', kind: 'view' },
  OBJECT_SEQUENCE: { label: 'sequence', kind: 'sequence' },
  OBJECT_FUNCTION: { label: 'function', kind: 'function' },
  OBJECT_PROCEDURE: { label: 'procedure', kind: 'function' },
  OBJECT_ROUTINE: { label: 'routine', kind: 'function' },
  OBJECT_AGGREGATE: { label: 'aggregate' },
  OBJECT_TYPE: { label: 'type', kind: 'type' },
  OBJECT_DOMAIN: { label: 'domain', kind: 'type' },
  OBJECT_EXTENSION: { label: 'extension' },
  OBJECT_COLLATION: { label: 'collation' },
};

/** The name is taken again later in the same transaction (`RENAME x TO x_old; RENAME x_new TO x`, or a CREATE): v1 never sees it missing. */
function nameReused(statement: Statement, context: RuleContext, kind: ObjectKind, name: QualifiedName): boolean {
  return laterInTransaction(statement, context).some((s) => {
    const created = createdName(s, kind);
    if (created && sameName(created, name)) return true;
    const renamed = renamedObject(s);
    return renamed !== undefined && renamed.kind === kind && sameName(renamed.to, name);
  });
}

function tableRenamedHere(statement: Statement, context: RuleContext, table: QualifiedName): boolean {
  return sectionStatements(context.file, context.phase).some((s) => {
    const rename = s.start < statement.start ? nodeOf(s, 'RenameStmt') : undefined;
    const from = nameOfRangeVar(rename?.relation);
    return rename?.renameType === 'OBJECT_TABLE' && from !== undefined && rename.newname !== undefined && sameName({ schema: from.schema, name: rename.newname }, table);
  });
}

function isNew(context: RuleContext, kind: ObjectKind | undefined, name: QualifiedName, member?: string): boolean {
  return kind !== undefined && context.isNew(kind, name, member);
}

export default defineRule({
  id: 'renaming-schema-object',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['RenameStmt', 'AlterObjectSchemaStmt'],
  summary: 'Renaming a function, procedure, sequence, schema, type, domain or constraint, or moving any object to another schema.',
  why:
    'Application code names these objects: it calls functions, casts to types, qualifies names with a schema, calls nextval on a sequence, and matches ' +
    'constraint names in ON CONFLICT ON CONSTRAINT and in its error handling. During a rolling deploy one version uses the old name and the other the new one, ' +
    'so whichever side of the rename the database is on, one of them fails. ALTER … SET SCHEMA is a rename too: a table moved out of the search_path is gone for v1. ' +
    'Not flagged: tables, views and columns (renaming-table’s and renaming-column’s), indexes, triggers and policies (no query names them), ' +
    'a name taken again in the same transaction (RENAME x TO x_old; RENAME x_new TO x — the way Prisma swaps an enum type), ' +
    'and constraints renamed after their table was renamed in the same migration (the table rename is the break).',
  fix:
    'Keep the old name while any running version uses it. Expand: create the object under the new name next to the old one (a new function the old one wraps, ' +
    'a view or synonym in the old schema) and ship v2 using the new name. Contract: drop or rename the old one once v1 is gone. ' +
    'Rename a constraint only after every running version has stopped naming it.',
  examples: {
    bad: [
      'ALTER FUNCTION order_total(bigint) RENAME TO order_total_cents;\n',
      'ALTER TABLE orders RENAME CONSTRAINT orders_user_fk TO orders_user_id_fkey;\n',
      'ALTER TABLE public."Invoice" SET SCHEMA billing;\n',
    ],
    good: [
      'CREATE FUNCTION order_total_cents(order_id bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT total_cents FROM orders WHERE id = order_id $$;\n' +
        '-- pgtandem:contract\nDROP FUNCTION order_total(bigint);\n',
      "CREATE TYPE delivery_speed AS ENUM ('slow', 'fast');\nALTER TYPE delivery_speed RENAME TO shipping_speed;\n",
    ],
  },
  check(statement, context) {
    const rename = nodeOf(statement, 'RenameStmt');
    if (rename) {
      const renamed = rename.renameType ? RENAMED[rename.renameType] : undefined;
      if (!renamed) return;
      let name: QualifiedName | undefined;
      let shown: string;
      if (rename.renameType === 'OBJECT_SCHEMA') {
        name = rename.subname ? { schema: undefined, name: rename.subname } : undefined;
        shown = name ? displayName(name) : '?';
        if (!name || isNew(context, 'schema', name) || nameReused(statement, context, 'schema', name)) return;
      } else if (rename.renameType === 'OBJECT_TABCONSTRAINT') {
        const table = nameOfRangeVar(rename.relation);
        if (!table || !rename.subname || context.isNew('table', table) || context.isNew('constraint', table, rename.subname)) return;
        // Tidying constraint names after renaming their table: renaming-table reports the break.
        if (tableRenamedHere(statement, context, table)) return;
        shown = `${quoteIdent(rename.subname)} on ${displayName(table)}`;
      } else if (rename.renameType === 'OBJECT_ATTRIBUTE' || rename.renameType === 'OBJECT_DOMCONSTRAINT') {
        name = nameOfRangeVar(rename.relation) ?? objectName(rename.object);
        if (!name || !rename.subname || isNew(context, renamed.kind, name)) return;
        shown = `${quoteIdent(rename.subname)} of ${displayName(name)}`;
      } else {
        name = nameOfRangeVar(rename.relation) ?? objectName(rename.object);
        if (!name || isNew(context, renamed.kind, name)) return;
        if (renamed.kind && nameReused(statement, context, renamed.kind, name)) return;
        shown = displayName(name);
      }
      context.report({
        message: `Renaming ${renamed.label} ${shown} to ${quoteIdent(rename.newname ?? '?')}: ${renamed.breaks}.`,
        span: spanFromWords(statement, ['RENAME']),
      });
      return;
    }
    const move = nodeOf(statement, 'AlterObjectSchemaStmt');
    const moved = move?.objectType ? MOVED[move.objectType] : undefined;
    if (!move || !moved) return;
    const name = nameOfRangeVar(move.relation) ?? objectName(move.object);
    if (!name || isNew(context, moved.kind, name)) return;
    context.report({
      message: `Moving ${moved.label} ${displayName(name)} to schema ${quoteIdent(move.newschema ?? '?')}: v1’s queries that name it by its old schema, or find it through the search_path, stop resolving it.`,
      span: spanFromWords(statement, ['SET', 'SCHEMA']),
    });
  },
});
