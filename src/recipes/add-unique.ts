import { displayName, quoteIdent } from '../sql/names.js';
import { columnListArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { columnOf, inSchemaOf, objectName, requireNoConstraint, slug } from './table-facts.js';

export const addUnique: Recipe = {
  name: 'add-unique',
  usage: '<table> <columns...>',
  summary: 'add a UNIQUE constraint: unique index built CONCURRENTLY, then ADD CONSTRAINT … USING INDEX (instant)',
  arity: [2, Infinity],
  options: {},
  build({ args, catalog }) {
    const table = tableArgument('add-unique <table>', args[0]!);
    const columns = columnListArgument('add-unique <columns...>', args.slice(1));
    for (const column of columns) columnOf('add-unique', catalog, table, column);
    const name = objectName(table.name, ...columns, 'key');
    requireNoConstraint('add-unique', catalog, table, name);
    const t = displayName(table);
    const k = quoteIdent(name);
    return {
      name: slug('add', name),
      notes: [
        `Adds UNIQUE (${columns.map(quoteIdent).join(', ')}) to ${t}: the index is built CONCURRENTLY (writes go on; the runner runs it`,
        'outside a transaction), then attached as the constraint with USING INDEX, which takes ACCESS EXCLUSIVE only for a moment.',
        'Both releases must stop writing duplicates before expand, or the build fails (abort then drops the INVALID index).',
      ],
      expand: [`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${k} ON ${t} (${columns.map(quoteIdent).join(', ')});`, `ALTER TABLE ${t} ADD CONSTRAINT ${k} UNIQUE USING INDEX ${k};`],
      migrate: [],
      contract: [],
      abort: [`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${k};`, `DROP INDEX CONCURRENTLY IF EXISTS ${inSchemaOf(table, name)};`],
    };
  },
};
