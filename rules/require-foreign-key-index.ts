import { foreignKeysAdded, indexCovers, indexingStatements, indexKeysOn, keysCover, phasesFrom } from '../src/lint/foreign-key-index.js';
import { defineRule } from '../src/lint/rule.js';
import { sectionStatements } from '../src/lint/section-statements.js';
import { displayName, quoteIdent } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

export default defineRule({
  id: 'require-foreign-key-index',
  category: 'lock',
  severity: 'warn',
  phases: ['expand', 'migrate', 'contract'],
  statementKinds: ['CreateStmt', 'AlterTableStmt'],
  recipe: ['add-index'],
  summary: 'A foreign key whose referencing columns no index leads with.',
  why:
    'PostgreSQL indexes the referenced key, never the referencing columns. Every DELETE of a referenced row, and every UPDATE of its key, then scans the whole referencing table ' +
    'to check (or cascade to) the rows that point at it — while holding the row lock, and ON DELETE CASCADE or SET NULL rewrites what it finds. ' +
    'The deletes that were instant when the table was small get slower with every row, and joins from parent to children scan too. ' +
    'A warning: a table that stays tiny, or whose parent rows are never deleted, can do without.',
  fix:
    'Create an index whose leading columns are the foreign key’s columns: on a new table in the same migration (a plain CREATE INDEX), on an existing one ' +
    'with CREATE INDEX CONCURRENTLY before (or in the expand phase of the migration that adds) the foreign key.',
  examples: {
    bad: [
      'CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text NOT NULL);\n',
      // An index on one of the two columns does not serve lookups by both.
      'CREATE TABLE payments (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, invoice_id bigint NOT NULL);\n' +
        'ALTER TABLE payments ADD CONSTRAINT payments_invoice_fk FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id);\n' +
        'CREATE INDEX payments_invoice_id_idx ON payments (invoice_id);\n',
    ],
    good: [
      'CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text NOT NULL);\n' +
        'CREATE INDEX order_lines_order_id_idx ON order_lines (order_id);\n',
      'CREATE TABLE payments (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, invoice_id bigint NOT NULL, paid_at timestamptz);\n' +
        'ALTER TABLE payments ADD CONSTRAINT payments_invoice_fk FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id);\n' +
        'CREATE INDEX payments_invoice_tenant_idx ON payments (invoice_id, tenant_id, paid_at);\n',
      'CREATE TABLE memberships (team_id bigint REFERENCES teams (id), user_id bigint REFERENCES users (id), PRIMARY KEY (team_id, user_id));\n' +
        'CREATE INDEX memberships_user_id_idx ON memberships (user_id);\n',
    ],
  },
  check(statement, context) {
    const added = foreignKeysAdded(statement);
    if (added.length === 0) return;
    // The index may come later in the migration (a new table's indexes usually follow it);
    // gathered only for a key the catalog has no index for, from the statements that can create one.
    let later: Statement[] | undefined;
    const statementsFromHere = (): Statement[] => [
      statement,
      ...(later ??= phasesFrom(context.phase).flatMap((phase) =>
        indexingStatements(sectionStatements(context.file, phase)).filter((s) => phase !== context.phase || s.start > statement.start),
      )),
    ];
    for (const key of added) {
      const table = context.catalog.table(key.table, context.searchPath);
      const created = nodeOf(statement, 'CreateStmt') !== undefined || context.isNew('table', key.table);
      // A table the catalog does not know (created outside the migrations) may have its index already.
      if (!table && !created) continue;
      if (table && context.catalog.indexesOf(table).some((index) => indexCovers(index, key.columns))) continue;
      if (statementsFromHere().some((s) => indexKeysOn(s, key.table).some((keys) => keysCover(keys, key.columns)))) continue;
      const columns = key.columns.map(quoteIdent).join(', ');
      context.report({
        message:
          `No index on ${displayName(key.table)} leads with (${columns}), the columns of the foreign key to ${displayName(key.references)}: ` +
          `every DELETE or key UPDATE on ${displayName(key.references)} scans ${displayName(key.table)} while it holds its row lock.`,
        help: `Add \`CREATE INDEX${context.isNew('table', key.table) ? '' : ' CONCURRENTLY'} ON ${displayName(key.table)} (${columns});\` ${context.isNew('table', key.table) ? 'after the CREATE TABLE' : 'in expand, before the foreign key'}.`,
        span: key.span(statement),
      });
    }
  },
});

