import { PHASES } from '../src/migrations/phase.js';
import { alterTableCommands, columnDefOf } from '../src/lint/alter-table.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { spanFromWords } from '../src/lint/span.js';
import type { TableInfo } from '../src/schema/catalog.js';
import { formatType } from '../src/schema/format-type.js';
import { publicationNames, publicationsOf, type Publishing } from '../src/schema/replica-identity.js';
import { displayName, nameOfRangeVar, quoteIdent, type QualifiedName } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

const STOPS =
  'the subscriber’s apply worker then fails on that change and retries it forever: replication stops, and the publisher keeps WAL for the subscription’s slot until the change is fixed by hand';

export default defineRule({
  id: 'changing-published-column',
  category: 'compat',
  severity: 'warn',
  phases: PHASES,
  summary: 'A type change, rename or drop of a column that a logical replication publication publishes.',
  why:
    'Logical replication does not replicate schema changes: each subscriber keeps its own copy of the table and matches the publisher’s columns by name, converting each value to its own column’s type. ' +
    'A column renamed on the publisher is missing on the subscriber ("logical replication target relation … is missing replicated column"); ' +
    'a column whose type changes sends values the subscriber’s type may not accept (bigint past the range of integer, text that is no number); ' +
    'either way the apply worker fails on every retry, replication stops, and the publisher retains WAL for the subscription’s slot — its disk fills while nobody looks. ' +
    'A column a publication’s column list names cannot be dropped at all: PostgreSQL refuses, and with CASCADE the table silently leaves the publication (an error). ' +
    'pgtandem knows a column is published when the migrations (or the live database given to lint) create or alter the publication.',
  fix:
    'Change the subscribers first, then the publisher: add the new column (or widen the type to one that accepts both the old and new values) on every subscriber, then make the change on the publisher; ' +
    'drop what the subscribers no longer receive once the publisher is done. To drop a column a column list names, first ALTER PUBLICATION … SET TABLE t (columns without it).',
  examples: {
    bad: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, quantity integer);\nCREATE PUBLICATION shop FOR TABLE orders;\n-- pgtandem:contract\nALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE PUBLICATION everything FOR ALL TABLES;\n-- pgtandem:contract\nALTER TABLE orders RENAME COLUMN note TO remark;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders (id, note);\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
    ],
    good: [
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text, total numeric);\nCREATE PUBLICATION shop FOR TABLE orders (id, total);\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
      'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE PUBLICATION shop FOR TABLE orders;\n-- pgtandem:contract\nALTER TABLE orders DROP COLUMN note;\n',
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

/** The column's type and the publications that publish it (all columns, or a column list naming it), when any do. */
function publishedColumn(context: RuleContext, name: QualifiedName, column: string): { column: string; publications: Publishing[] } | undefined {
  const table: TableInfo | undefined = context.catalog.table(name, context.searchPath);
  const info = table?.columns.find((c) => c.name === column);
  if (!table || !info) return undefined;
  const publications = publicationsOf(context.catalog, table).filter((p) => !p.entry?.columns || p.entry.columns.includes(column));
  return publications.length > 0 ? { column: info.type, publications } : undefined;
}
