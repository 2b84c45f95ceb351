import type { Node } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { catalogAfter } from '../src/lint/catalog-after.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { laterInTransaction, sectionStatements } from '../src/lint/section-statements.js';
import { catalogKey, type Catalog, type TableInfo } from '../src/schema/catalog.js';
import { publicationNames, publicationsOf, publishesRowChanges, replicaIdentityOf, type Publishing, type ReplicaIdentity } from '../src/schema/replica-identity.js';
import { displayName, nameOfList, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import type { Statement } from '../src/sql/statement.js';

const FAILS = 'every UPDATE and DELETE on it fails ("cannot update table … because it does not have a replica identity and publishes updates")';

export default defineRule({
  id: 'changing-replica-identity',
  category: 'compat',
  severity: 'error',
  phases: PHASES,
  summary: 'A change that leaves a published table without a usable replica identity, or changes it under the subscribers.',
  why:
    'Logical replication identifies each updated or deleted row by the table’s replica identity: its primary key (REPLICA IDENTITY DEFAULT), a unique index on NOT NULL columns (USING INDEX), or the whole row (FULL). ' +
    'A table a publication publishes updates or deletes of must have one at every moment: once its primary key or identity index is dropped, its identity set to NOTHING, or a publication’s column list no longer covers it, ' +
    'PostgreSQL rejects every UPDATE and DELETE on the table — the running application fails, not just replication. ' +
    'A new key on other columns keeps the publisher working but breaks subscribers whose tables still identify rows by the old columns ("publisher did not send replica identity column expected by the logical replication target relation"). ' +
    'REPLICA IDENTITY FULL works everywhere but writes the whole old row to WAL on every UPDATE and DELETE, and makes subscribers without a matching index scan the table for every replicated change: a warning. ' +
    'pgtandem knows a table is published when the migrations (or the live database given to lint) create or alter the publication: FOR TABLE, FOR TABLES IN SCHEMA or FOR ALL TABLES.',
  fix:
    'Never leave a published table without an identity, even briefly: build the new key first (CREATE UNIQUE INDEX CONCURRENTLY on NOT NULL columns), ' +
    'then switch to it in one transaction — ALTER TABLE … DROP CONSTRAINT old_pkey, ADD CONSTRAINT new_pkey PRIMARY KEY USING INDEX new_idx, or ALTER TABLE … REPLICA IDENTITY USING INDEX new_idx — and drop the old key only after. ' +
    'When the key’s columns change, give the subscribers’ tables the new key first. To stop publishing a table, ALTER PUBLICATION … DROP TABLE before you remove its key. ' +
    'Prefer a key to REPLICA IDENTITY FULL; if FULL it must be, index the subscribers’ tables on a unique column set.',
  examples: {
    bad: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders;\n-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n',
      'CREATE TABLE events (id bigint PRIMARY KEY, body jsonb);\nCREATE PUBLICATION everything FOR ALL TABLES;\n-- pgtandem:contract\nALTER TABLE events REPLICA IDENTITY NOTHING;\n',
      'CREATE TABLE messages (id bigint PRIMARY KEY, body text);\nALTER PUBLICATION supabase_realtime ADD TABLE messages;\n-- pgtandem:contract\nALTER TABLE messages REPLICA IDENTITY FULL;\n',
      'CREATE PUBLICATION audit FOR ALL TABLES;\nCREATE TABLE audit_log (at timestamptz NOT NULL, entry text);\n',
    ],
    good: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n-- pgtandem:contract\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders;\nCREATE UNIQUE INDEX orders_id_idx ON orders (id);\n-- pgtandem:contract\n' +
        'ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_id_idx;\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\n',
      'CREATE PUBLICATION audit FOR ALL TABLES;\nCREATE TABLE audit_log (at timestamptz NOT NULL, entry text);\nALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (at);\n',
      'CREATE PUBLICATION shop FOR TABLE orders WITH (publish = \'insert\');\n-- pgtandem:contract\nALTER TABLE orders REPLICA IDENTITY NOTHING;\n',
    ],
  },
  check(statement, context) {
    const node = statement.node;
    if (!node) return;
    const publishing = 'CreatePublicationStmt' in node || 'AlterPublicationStmt' in node;
    if (!publishing && context.catalog.publications.size === 0) return;
    const candidates = publishing ? undefined : candidateTables(node, context);
    if (candidates?.length === 0) return;
    const before = context.catalog;
    const after = catalogAfter(before, [statement], context.searchPath, false);
    const tables = candidates ?? [...after.tables.keys()];
    const unpublishedBroken: string[] = [];
    for (const key of tables) {
      const table = after.tables.get(key);
      const publications = table ? publicationsOf(after, table).filter((p) => publishesRowChanges(p.publication)) : [];
      if (!table || publications.length === 0) continue;
      const earlier = before.tables.get(key);
      const wasPublished = earlier !== undefined && publicationsOf(before, earlier).some((p) => publishesRowChanges(p.publication));
      const identityBefore = wasPublished ? replicaIdentityOf(before, earlier) : undefined;
      const identity = replicaIdentityOf(after, table);
      const broken = problem(identity, table, publications);
      if (broken) {
        if (identityBefore && problem(identityBefore, earlier!, publicationsOf(before, earlier!))) continue;
        // Restored later in the same transaction (or, for a table not yet in use, later in the section): no gap.
        const rest = wasPublished ? laterInTransaction(statement, context) : restOfSection(statement, context);
        const final = rest.length > 0 ? restored(catalogAfter(after, rest, context.searchPath, true), key) : undefined;
        if (final) {
          if (identityBefore?.kind === 'key' && final.kind === 'key') reportReplaced(context, table, identityBefore, final);
          continue;
        }
        if (publishing) unpublishedBroken.push(`${displayName(nameOf(table))} (${broken})`);
        else context.report({ message: lostMessage(table, identityBefore, identity, broken, publications), severity: 'error' });
        continue;
      }
      if (!identityBefore) continue;
      if (identity.kind === 'full' && identityBefore.kind !== 'full') {
        context.report({
          message:
            `REPLICA IDENTITY FULL on ${displayName(nameOf(table))}, published by ${publicationNames(publications)}: every UPDATE and DELETE then writes the whole old row to WAL, ` +
            'and subscribers without a unique index to find rows by scan the table for each replicated change. Keep a primary key or a unique index on NOT NULL columns as the identity.',
          severity: 'warn',
        });
      } else if (identityBefore.kind === 'key' && identity.kind === 'key') reportReplaced(context, table, identityBefore, identity);
    }
    if (unpublishedBroken.length > 0) {
      const shown = unpublishedBroken.slice(0, 5).join(', ') + (unpublishedBroken.length > 5 ? ` and ${unpublishedBroken.length - 5} more` : '');
      context.report({
        message: `This publishes updates or deletes of ${unpublishedBroken.length === 1 ? 'a table' : 'tables'} without a usable replica identity: ${shown}. From then on ${FAILS.replace('on it', 'on each')}.`,
        severity: 'error',
      });
    }
  },
});

/** The tables (catalog keys) whose identity or publishing a non-publication statement may change. */
function candidateTables(node: Node, context: RuleContext): string[] {
  const catalog = context.catalog;
  const published = (name: QualifiedName | undefined): string[] => {
    const table = name && catalog.table(name, context.searchPath);
    return table && publicationsOf(catalog, table).length > 0 ? [catalogKey(table)] : [];
  };
  if ('AlterTableStmt' in node) return published(nameOfRangeVar(node.AlterTableStmt.relation));
  if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_INDEX') {
    return (node.DropStmt.objects ?? []).flatMap((o) => {
      const name = 'List' in o ? nameOfList(o.List.items) : undefined;
      const index = name && catalog.index(name, context.searchPath);
      return index ? published(index.table) : [];
    });
  }
  if ('CreateStmt' in node) {
    // A new table joins FOR ALL TABLES and FOR TABLES IN SCHEMA publications.
    const name = nameOfRangeVar(node.CreateStmt.relation);
    const schema = name?.schema ?? context.searchPath.find((s) => catalog.schemas.has(s)) ?? 'public';
    const joins = [...catalog.publications.values()].some((p) => p.allTables || p.schemas.includes(schema));
    return name && joins ? [catalogKey({ schema, name: name.name })] : [];
  }
  return [];
}

/** Why the identity does not hold for these publications, or undefined when it does. */
function problem(identity: ReplicaIdentity, table: TableInfo, publications: readonly Publishing[]): string | undefined {
  if (identity.kind === 'none') {
    return identity.reason === 'nothing' ? 'REPLICA IDENTITY NOTHING' : identity.reason === 'index dropped' ? 'its replica identity index is gone' : 'no primary key';
  }
  for (const { publication, entry } of publications) {
    if (!entry?.columns || !publishesRowChanges(publication)) continue;
    const needed = identity.kind === 'full' ? table.columns.map((c) => c.name) : identity.columns;
    const missing = needed.filter((c) => !entry.columns!.includes(c));
    if (missing.length > 0) return `the column list of publication ${quoteIdent(publication.name)} leaves out ${missing.map(quoteIdent).join(', ')} of its replica identity`;
  }
  return undefined;
}

function restored(catalog: Catalog, key: string): ReplicaIdentity | undefined {
  const table = catalog.tables.get(key);
  if (!table) return { kind: 'full' }; // dropped: nothing left to update
  const identity = replicaIdentityOf(catalog, table);
  return problem(identity, table, publicationsOf(catalog, table)) ? undefined : identity;
}

function restOfSection(statement: Statement, context: RuleContext): Statement[] {
  const at = (statement.container?.parent ?? statement).start;
  return sectionStatements(context.file, context.phase).filter((s) => s.start > at);
}

function reportReplaced(context: RuleContext, table: TableInfo, from: ReplicaIdentity & { kind: 'key' }, to: ReplicaIdentity & { kind: 'key' }): void {
  const missing = from.columns.filter((c) => !to.columns.includes(c));
  if (missing.length === 0) return;
  context.report({
    message:
      `The replica identity of published table ${displayName(nameOf(table))} changes from (${from.columns.map(quoteIdent).join(', ')}) to (${to.columns.map(quoteIdent).join(', ')}): ` +
      `subscribers whose tables still identify rows by ${missing.map(quoteIdent).join(', ')} stop applying updates and deletes ("publisher did not send replica identity column expected by the logical replication target relation"). Change the subscribers’ keys first.`,
    severity: 'warn',
  });
}

function lostMessage(table: TableInfo, before: ReplicaIdentity | undefined, identity: ReplicaIdentity, broken: string, publications: readonly Publishing[]): string {
  const name = displayName(nameOf(table));
  let what = broken;
  if (identity.kind === 'none' && identity.reason === 'no primary key' && before?.kind === 'key') what = `its primary key${before.index ? ` ${quoteIdent(before.index)}` : ''} is dropped`;
  if (identity.kind === 'none' && identity.reason === 'index dropped' && before?.kind === 'key') what = `its REPLICA IDENTITY USING INDEX index${before.index ? ` ${quoteIdent(before.index)}` : ''} is dropped`;
  return `After this statement ${name} has no usable replica identity (${what}) while ${publicationNames(publications)} ${publications.length > 1 ? 'publish' : 'publishes'} its updates or deletes: ${FAILS}.`;
}

function nameOf(table: TableInfo): QualifiedName {
  return { schema: table.schema === 'public' ? undefined : table.schema, name: table.name };
}
