import type { CreateStmt, Node } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { catalogSlice, replayInto, statementsAbout } from '../src/lint/catalog-after.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { laterInTransaction, sectionStatements } from '../src/lint/section-statements.js';
import { catalogKey, type Catalog, type ObjectName, type TableInfo } from '../src/schema/catalog.js';
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
    if (candidates?.check.length === 0) return;
    const before = context.catalog;
    if (candidates?.created && laterStatementsAbout(statement, context, candidates.created.name, false).length === 0) {
      // A new table with no primary key and nothing later to give it one: no replay needed to know it has no identity.
      const schema = candidates.created.schema;
      const publications = [...before.publications.values()].filter((p) => publishesRowChanges(p) && (p.allTables || p.schemas.includes(schema))).map((publication) => ({ publication }));
      if (publications.length > 0) context.report({ message: lostMessage(candidates.created, undefined, { kind: 'none', reason: 'no primary key' }, 'no primary key', publications), severity: 'error' });
      return;
    }
    const after = replayInto(catalogSlice(before, candidates?.copy ?? 'shared'), [statement], context.searchPath, false);
    // A publication statement changes no identity: only tables without one, or under a column list, can break.
    const listed = publishing ? new Set([...after.publications.values()].flatMap((p) => p.tables.filter((t) => t.columns).map((t) => catalogKey(t.table)))) : undefined;
    const unpublishedBroken: string[] = [];
    for (const key of candidates?.check ?? publishedBy(after, node)) {
      const table = after.tables.get(key);
      if (!table) continue;
      const identity = replicaIdentityOf(after, table);
      if (listed && identity.kind !== 'none' && !listed.has(key)) continue;
      const publications = publicationsOf(after, table).filter((p) => publishesRowChanges(p.publication));
      if (publications.length === 0) continue;
      const earlier = before.tables.get(key);
      const wasPublished = earlier !== undefined && publicationsOf(before, earlier).some((p) => publishesRowChanges(p.publication));
      const identityBefore = wasPublished ? replicaIdentityOf(before, earlier) : undefined;
      const broken = problem(identity, table, publications);
      if (broken) {
        if (identityBefore && problem(identityBefore, earlier!, publicationsOf(before, earlier!))) continue;
        // Restored later in the same transaction (or, for a table not yet in use, later in the section): no gap.
        const rest = laterStatementsAbout(statement, context, table.name, wasPublished);
        const final = rest.length > 0 ? restored(replayInto(catalogSlice(publishing ? before : after, [key], after), rest, context.searchPath, true), key) : undefined;
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

/** The tables (catalog keys) the publication a publication statement creates or alters publishes afterwards; none after ALTER … DROP. */
function publishedBy(after: Catalog, node: Node): Iterable<string> {
  const name = 'CreatePublicationStmt' in node ? node.CreatePublicationStmt.pubname : 'AlterPublicationStmt' in node ? node.AlterPublicationStmt.pubname : undefined;
  const publication = name !== undefined ? after.publications.get(name) : undefined;
  if (!publication || ('AlterPublicationStmt' in node && node.AlterPublicationStmt.action === 'AP_DropObjects')) return [];
  if (publication.allTables) return after.tables.keys();
  const keys = new Set(publication.tables.map((t) => catalogKey(t.table)));
  if (publication.schemas.length > 0) for (const table of after.tables.values()) if (publication.schemas.includes(table.schema)) keys.add(catalogKey(table));
  // A partitioned table's partitions are published with it.
  if ([...keys].some((key) => after.tables.get(key)?.kind === 'partitioned table')) {
    for (const table of after.tables.values()) if (publicationsOf(after, table).some((p) => p.publication === publication)) keys.add(catalogKey(table));
  }
  return keys;
}

/** ALTER TABLE subcommands that can take a key or an identity away, or replace it. */
const IDENTITY_COMMANDS = new Set(['AT_DropConstraint', 'AT_DropColumn', 'AT_ReplicaIdentity', 'AT_AddConstraint', 'AT_AddIndexConstraint']);

/**
 * The tables (catalog keys) whose identity or publishing a non-publication
 * statement may change (`check`), and the tables a slice of the catalog needs
 * to replay it (`copy`: with a new partition's parent). Cheap tests first: most
 * statements touch no published table, or cannot change an identity.
 */
function candidateTables(node: Node, context: RuleContext): { check: string[]; copy: string[]; created?: ObjectName } {
  const catalog = context.catalog;
  const none = { check: [], copy: [] };
  const published = (name: QualifiedName | undefined): string[] => {
    const table = name && catalog.table(name, context.searchPath);
    return table && publicationsOf(catalog, table).length > 0 ? [catalogKey(table)] : [];
  };
  if ('AlterTableStmt' in node) {
    const alter = node.AlterTableStmt;
    if (!(alter.cmds ?? []).some((c) => 'AlterTableCmd' in c && IDENTITY_COMMANDS.has(c.AlterTableCmd.subtype ?? ''))) return none;
    const keys = published(nameOfRangeVar(alter.relation));
    return { check: keys, copy: keys };
  }
  if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_INDEX') {
    const keys = (node.DropStmt.objects ?? []).flatMap((o) => {
      const name = 'List' in o ? nameOfList(o.List.items) : undefined;
      const index = name && catalog.index(name, context.searchPath);
      return index ? published(index.table) : [];
    });
    return { check: keys, copy: keys };
  }
  if ('CreateStmt' in node) {
    // A new table joins FOR ALL TABLES and FOR TABLES IN SCHEMA publications.
    const create = node.CreateStmt;
    const name = nameOfRangeVar(create.relation);
    // Temporary and unlogged tables are never published; a partitioned table's partitions are judged each; LIKE may copy a key.
    if (!name || create.relation?.relpersistence !== 'p' || create.partspec || declaresPrimaryKey(create)) return none;
    if ((create.tableElts ?? []).some((e) => 'TableLikeClause' in e)) return none;
    const schema = name.schema ?? context.searchPath.find((s) => catalog.schemas.has(s)) ?? 'public';
    if (![...catalog.publications.values()].some((p) => p.allTables || p.schemas.includes(schema))) return none;
    const key = catalogKey({ schema, name: name.name });
    // IF NOT EXISTS on a table that exists: nothing happens.
    if (catalog.tables.has(key)) return none;
    const parents = (create.inhRelations ?? []).flatMap((r) => {
      const parent = 'RangeVar' in r ? catalog.table(nameOfRangeVar(r.RangeVar)!, context.searchPath) : undefined;
      return parent ? [catalogKey(parent)] : [];
    });
    return { check: [key], copy: [key, ...parents], ...(create.partbound || parents.length > 0 ? {} : { created: { schema, name: name.name } }) };
  }
  return none;
}

function declaresPrimaryKey(create: CreateStmt): boolean {
  const isKey = (n: Node): boolean => 'Constraint' in n && n.Constraint.contype === 'CONSTR_PRIMARY';
  return (create.tableElts ?? []).some((e) => isKey(e) || ('ColumnDef' in e && (e.ColumnDef.constraints ?? []).some(isKey)));
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

/**
 * The statements after this one that may restore the table's identity: in
 * its transaction when the table was published already (a gap between
 * transactions is a gap), else in the rest of its section (a table not yet
 * published has no traffic the runner's commits could expose).
 */
function laterStatementsAbout(statement: Statement, context: RuleContext, table: string, inTransactionOnly: boolean): Statement[] {
  const at = (statement.container?.parent ?? statement).start;
  const about = statementsAbout(sectionStatements(context.file, context.phase), table, at);
  if (!inTransactionOnly || about.length === 0) return about;
  const transaction = new Set(laterInTransaction(statement, context));
  return about.filter((s) => transaction.has(s));
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

function lostMessage(table: ObjectName, before: ReplicaIdentity | undefined, identity: ReplicaIdentity, broken: string, publications: readonly Publishing[]): string {
  const name = displayName(nameOf(table));
  let what = broken;
  if (identity.kind === 'none' && identity.reason === 'no primary key' && before?.kind === 'key') what = `its primary key${before.index ? ` ${quoteIdent(before.index)}` : ''} is dropped`;
  if (identity.kind === 'none' && identity.reason === 'index dropped' && before?.kind === 'key') what = `its REPLICA IDENTITY USING INDEX index${before.index ? ` ${quoteIdent(before.index)}` : ''} is dropped`;
  return `After this statement ${name} has no usable replica identity (${what}) while ${publicationNames(publications)} ${publications.length > 1 ? 'publish' : 'publishes'} its updates or deletes: ${FAILS}.`;
}

function nameOf(table: ObjectName): QualifiedName {
  return { schema: table.schema === 'public' ? undefined : table.schema, name: table.name };
}
