import { columnArgument, tableArgument, typeArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { oldColumnFacts, shadowColumn } from './shadow-column.js';
import { columnOf, objectName, requireNoColumn, slug } from './table-facts.js';
import { displayName, quoteIdent } from '../sql/names.js';

export const renameColumn: Recipe = {
  name: 'rename-column',
  usage: '<table> <old> <new>',
  summary: 'rename a column: new column + two-way sync trigger + batched backfill; the old column dropped in contract',
  arity: [3, 3],
  options: {
    type: 'the column\'s type, when the migrations directory does not define the table',
    notNull: 'with --type: the column is NOT NULL',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('rename-column <table>', args[0]!);
    const old = columnArgument('rename-column <old>', args[1]!);
    const renamed = columnArgument('rename-column <new>', args[2]!);
    const type = flags.type === undefined ? undefined : typeArgument('--type', flags.type);
    const facts = oldColumnFacts('rename-column', columnOf('rename-column', catalog, table, old), table, old, { ...(type ? { type } : {}), ...(flags.notNull ? { notNull: true } : {}) });
    requireNoColumn('rename-column', catalog, table, renamed);
    const { steps, notes } = shadowColumn({
      recipe: 'rename-column',
      catalog,
      table,
      old,
      shadow: renamed,
      finalName: renamed,
      type: facts.type,
      facts,
      forward: (value) => quoteIdent(value),
      backward: (value) => quoteIdent(value),
      convertDefault: (expression) => expression,
      trigger: objectName(table.name, 'sync', old, renamed),
    });
    return {
      name: slug('rename', table.name, old, 'to', renamed),
      notes: [
        `Renames ${displayName(table)}.${quoteIdent(old)} to ${quoteIdent(renamed)} while both releases run: the old release reads and writes ${quoteIdent(old)},`,
        `the new one ${quoteIdent(renamed)}; a trigger copies whichever a write changed to the other. Contract (once the old release is gone) drops ${quoteIdent(old)}.`,
        ...notes,
      ],
      ...steps,
    };
  },
};
