import type pg from 'pg';
import { nameOfList, quoteIdent, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';

/**
 * What to do before (re)running a statement that runs outside a transaction,
 * whose checkpoint is written only after it: a crash in between reruns it.
 * `skip` when its effect is already there (a valid index of that name, an
 * index already dropped, an enum label already added); `sql` to run first
 * when a failed earlier try left debris (an INVALID index from a CREATE
 * INDEX CONCURRENTLY that died, which would block the new one by name).
 */
export async function prepareRerun(client: pg.ClientBase, statement: Statement): Promise<{ skip: boolean; before?: string }> {
  const create = nodeOf(statement, 'IndexStmt');
  if (create?.concurrent && create.idxname) {
    const schema = create.relation?.schemaname;
    const index = await findIndex(client, { schema, name: create.idxname });
    if (!index) return { skip: false };
    if (index.valid) return { skip: true };
    return { skip: false, before: `DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(index.schema)}.${quoteIdent(create.idxname)}` };
  }
  const drop = nodeOf(statement, 'DropStmt');
  if (drop?.concurrent && drop.removeType === 'OBJECT_INDEX') {
    const names = (drop.objects ?? []).map((o) => ('List' in o ? nameOfList(o.List.items) : undefined));
    const present = await Promise.all(names.map((n) => (n ? findIndex(client, n) : Promise.resolve(undefined))));
    return { skip: names.every((n) => n !== undefined) && present.every((p) => p === undefined) };
  }
  const enumValue = nodeOf(statement, 'AlterEnumStmt');
  if (enumValue?.newVal && !enumValue.oldVal) {
    const type = nameOfList(enumValue.typeName);
    if (!type) return { skip: false };
    const { rows } = await client.query(
      `SELECT 1 FROM pg_enum WHERE enumtypid = to_regtype($1) AND enumlabel = $2`,
      [type.schema ? `${quoteIdent(type.schema)}.${quoteIdent(type.name)}` : quoteIdent(type.name), enumValue.newVal],
    );
    return { skip: rows.length > 0 };
  }
  return { skip: false };
}

async function findIndex(client: pg.ClientBase, name: QualifiedName): Promise<{ schema: string; valid: boolean } | undefined> {
  const { rows } = await client.query<{ schema: string; valid: boolean }>(
    `SELECT n.nspname AS schema, i.indisvalid AS valid
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relname = $1 AND ($2::text IS NULL AND n.nspname = ANY (current_schemas(false)) OR n.nspname = $2)
      ORDER BY array_position(current_schemas(false), n.nspname::text) LIMIT 1`,
    [name.name, name.schema ?? null],
  );
  return rows[0];
}
