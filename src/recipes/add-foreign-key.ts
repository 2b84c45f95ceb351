import { displayName, quoteIdent } from '../sql/names.js';
import { columnArgument, referenceArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { columnOf, hasLeadingIndex, inSchemaOf, objectName, requireNoConstraint, slug, tableOf } from './table-facts.js';

export const addForeignKey: Recipe = {
  name: 'add-foreign-key',
  usage: '<table> <column> <ref-table>(<ref-column>)',
  summary: 'add a foreign key NOT VALID (no scan, brief lock) plus an index on the column, validated in migrate',
  arity: [3, 3],
  options: {},
  build({ args, catalog }) {
    const table = tableArgument('add-foreign-key <table>', args[0]!);
    const column = columnArgument('add-foreign-key <column>', args[1]!);
    const reference = referenceArgument('add-foreign-key <ref-table>(<ref-column>)', args[2]!);
    columnOf('add-foreign-key', catalog, table, column);
    columnOf('add-foreign-key', catalog, reference.table, reference.column);
    const constraint = objectName(table.name, column, 'fkey');
    requireNoConstraint('add-foreign-key', catalog, table, constraint);
    const t = displayName(table);
    const c = quoteIdent(column);
    const k = quoteIdent(constraint);
    // Without the catalog we cannot tell whether an index exists: IF NOT EXISTS makes creating one harmless.
    const needsIndex = !tableOf(catalog, table) || !hasLeadingIndex(catalog, table, [column]);
    const index = objectName(table.name, column, 'idx');
    const notes = [
      `Adds ${t}.${c} REFERENCES ${displayName(reference.table)} (${quoteIdent(reference.column)}): NOT VALID in expand takes`,
      'SHARE ROW EXCLUSIVE on both tables only for a moment (no scan) and checks new rows from then on; VALIDATE in migrate',
      'scans the existing rows under SHARE UPDATE EXCLUSIVE / ROW SHARE (reads and writes go on).',
      'Both releases must write valid references from expand on; fix orphans before migrate.',
    ];
    const expand = [`ALTER TABLE ${t} ADD CONSTRAINT ${k} FOREIGN KEY (${c}) REFERENCES ${displayName(reference.table)} (${quoteIdent(reference.column)}) NOT VALID;`];
    const abort = [`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${k};`];
    if (needsIndex) {
      // Deletes and key updates on the referenced table look up the referencing rows: without an index each one scans.
      expand.unshift(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(index)} ON ${t} (${c});`);
      abort.push(`DROP INDEX CONCURRENTLY IF EXISTS ${inSchemaOf(table, index)};`);
      notes.push(`The index on ${c} is built CONCURRENTLY first (the runner runs it outside a transaction).`);
    }
    return {
      name: slug('add', constraint),
      notes,
      expand,
      migrate: [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${k};`],
      contract: [],
      abort,
    };
  },
};
