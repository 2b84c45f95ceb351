import { PHASES } from '../src/migrations/phase.js';
import { alterTableCommands, columnDefOf } from '../src/lint/alter-table.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { spanFromWords } from '../src/lint/span.js';
import type { TableInfo } from '../src/schema/catalog.js';
import { formatType } from '../src/schema/format-type.js';
import { CDC_PUBLICATIONS, publicationNames, publicationsOf, type Publishing } from '../src/schema/replica-identity.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

const STOPS =
  'the subscriber’s apply worker then fails on that change and retries it forever: replication stops, and the publisher keeps WAL for the subscription’s slot until the change is fixed by hand';

export default defineRule({
  id: 'changing-published-column',
  category: 'compat',
  severity: 'warn',
  phases: PHASES,
  summary: 'A column added, retyped, renamed or dropped on a table that a logical replication publication publishes.',
  why:
    'Logical replication does not replicate schema changes: each subscriber keeps its own copy of the table and matches the publisher’s columns by name, converting each value to its own column’s type. ' +
    'A column added or renamed on the publisher is missing on the subscriber ("logical replication target relation … is missing replicated column"), even while every value in it is NULL; ' +
    'a column whose type changes sends values the subscriber’s type may not accept (bigint past the range of integer, text that is no number); ' +
    'either way the apply worker fails on every retry, replication stops, and the publisher retains WAL for the subscription’s slot — its disk fills while nobody looks. ' +
    'A column a publication’s column list names cannot be dropped at all: PostgreSQL refuses, and with CASCADE the table silently leaves the publication (an error). ' +
    'pgtandem knows a column is published when the migrations (or the live database given to lint) create or alter the publication. ' +
    'Publications that a change-data-capture service reads rather than PostgreSQL subscribers take column changes in stride: Supabase Realtime’s supabase_realtime and Debezium’s default dbz_publication are left alone (ignore the finding for another of that kind).',
  fix:
    'Change the subscribers first, then the publisher: add the new column (or widen the type to one that accepts both the old and new values) on every subscriber, then make the change on the publisher; ' +
    'drop what the subscribers no longer receive once the publisher is done. To drop a column a column list names, first ALTER PUBLICATION … SET TABLE t (columns without it).',
  examples: {
    bad: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, quantity integer);\nCREATE PUBLICATION shop FOR TABLE orders;\n-- pgtandem:contract\nALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE PUBLICATION everything FOR ALL TABLES;\n-- pgtandem:contract\nALTER TABLE orders RENAME COLUMN note TO remark;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders (id, note);\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
      'CREATE PUBLICATION everything FOR ALL TABLES;\n-- pgtandem:expand\nALTER TABLE orders ADD COLUMN discount numeric;\n',
    ],
    good: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders (id, total);\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE PUBLICATION shop FOR TABLE orders;\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
      'CREATE PUBLICATION shop FOR TABLE orders (id, note);\n-- pgtandem:expand\nALTER TABLE orders ADD COLUMN discount numeric;\n',
    ],
  },
  check(statement, context) {
    if (context.catalog.publications.size === 0) return;
    const rename = nodeOf(statement, 'RenameStmt');
    if (rename) {
      const name = nameOfRangeVar(rename.relation);
      if (rename.renameType !== 'OBJECT_COLUMN' || !name || !rename.subname || context.isNewColumn(name, rename.subname)) return;
      const published = publishedColumn(context, name, rename.subname);
      if (!published) return;
      context.report({
        message:
          `Renaming column ${quoteIdent(rename.subname)} of ${displayName(name)} to ${quoteIdent(rename.newname ?? '?')}, published by ${publicationNames(published.publications)}: ` +
          `subscribers match columns by name and have no ${quoteIdent(rename.newname ?? '?')} — ${STOPS}. Add the new column on the subscribers first.`,
        span: spanFromWords(statement, ['RENAME', 'COLUMN?']),
      });
      return;
    }
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (onTable && cmd.subtype === 'AT_AddColumn') {
        const column = columnDefOf(cmd)?.colname;
        if (!column || context.isNew('table', table)) continue;
        const info = context.catalog.table(table, context.searchPath);
        if (info?.columns.some((c) => c.name === column)) continue;
        // A column list names the columns it sends: a new column is not among them.
        const sending = (info ? publicationsOf(context.catalog, info) : publishingUnknown(context, table)).filter((p) => !p.entry?.columns && sendsRows(p) && toSubscribers(p));
        if (sending.length === 0) continue;
        context.report({
          message:
            `Adding column ${quoteIdent(column)} to ${displayName(table)}, published by ${publicationNames(sending)}: ` +
            `the next row change of ${displayName(table)} carries it, and a subscriber whose table has no ${quoteIdent(column)} refuses it ("missing replicated column") — ${STOPS}. Add the column on the subscribers first.`,
          span: command.span,
        });
        continue;
      }
      if (!onTable || !cmd.name || context.isNewColumn(table, cmd.name)) continue;
      if (cmd.subtype === 'AT_AlterColumnType') {
        const published = publishedColumn(context, table, cmd.name);
        const typeName = columnDefOf(cmd)?.typeName;
        if (!published || !typeName) continue;
        const to = formatType(typeName, (t) => context.catalog.enumType({ schema: undefined, name: t }, context.searchPath)?.schema).text;
        if (to === published.column) continue;
        context.report({
          message:
            `Changing the type of column ${quoteIdent(cmd.name)} of ${displayName(table)} from ${published.column} to ${to}, published by ${publicationNames(published.publications)}: ` +
            `subscribers convert each replicated value to their own column’s type; once one does not fit, ${STOPS}. Change the subscribers’ column first, to a type that takes both.`,
          span: command.span,
        });
      } else if (cmd.subtype === 'AT_DropColumn') {
        const listed = publishedColumn(context, table, cmd.name)?.publications.filter((p) => p.entry?.columns?.includes(cmd.name!));
        if (!listed || listed.length === 0) continue;
        context.report({
          message:
            `Dropping column ${quoteIdent(cmd.name)} of ${displayName(table)}, named in the column list of ${publicationNames(listed)}: ` +
            `PostgreSQL refuses ("other objects depend on it"), and with CASCADE it takes ${displayName(table)} out of the publication, so its changes silently stop replicating. ` +
            'First ALTER PUBLICATION … SET TABLE with a column list without it.',
          span: command.span,
          severity: 'error',
        });
      }
    }
  },
});

/**
 * The publications that send a table the catalog does not know (created
 * before the migrations pgtandem reads): FOR ALL TABLES, and FOR TABLES IN
 * SCHEMA of its schema when the statement names one.
 */
function publishingUnknown(context: RuleContext, table: QualifiedName): Publishing[] {
  return [...context.catalog.publications.values()].filter((p) => p.allTables || (table.schema !== undefined && p.schemas.includes(table.schema))).map((publication) => ({ publication }));
}

/** Whether PostgreSQL subscribers (rather than a change-data-capture service) may read the publication. */
function toSubscribers(p: Publishing): boolean {
  return !CDC_PUBLICATIONS.has(p.publication.name);
}

/** Whether the publication sends row changes (inserts, updates or deletes), which carry every column it publishes. */
function sendsRows(p: Publishing): boolean {
  return p.publication.publish.some((action) => action !== 'truncate');
}

/** The column's type and the publications that publish it (all columns, or a column list naming it), when any do. */
function publishedColumn(context: RuleContext, name: QualifiedName, column: string): { column: string; publications: Publishing[] } | undefined {
  const table: TableInfo | undefined = context.catalog.table(name, context.searchPath);
  const info = table?.columns.find((c) => c.name === column);
  if (!table || !info) return undefined;
  const publications = publicationsOf(context.catalog, table).filter((p) => (!p.entry?.columns || p.entry.columns.includes(column)) && toSubscribers(p));
  return publications.length > 0 ? { column: info.type, publications } : undefined;
}
