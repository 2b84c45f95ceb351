import { displayName, quoteIdent } from '../sql/names.js';
import { columnListArgument, conditionArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { columnOf, inSchemaOf, objectName, requireNoConstraint, slug } from './table-facts.js';

export const addIndex: Recipe = {
  name: 'add-index',
  usage: '<table> <columns...>',
  summary: 'build an index CONCURRENTLY (writes go on); abort drops it CONCURRENTLY',
  arity: [2, Infinity],
  options: {
    unique: 'a unique index',
    where: 'a partial index: only rows matching this condition',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('add-index <table>', args[0]!);
    const columns = columnListArgument('add-index <columns...>', args.slice(1));
    const where = flags.where === undefined ? undefined : conditionArgument('--where', flags.where);
    for (const column of columns) columnOf('add-index', catalog, table, column);
    const name = objectName(table.name, ...columns, flags.unique ? 'key' : 'idx');
    requireNoConstraint('add-index', catalog, table, name);
    const statement = `CREATE ${flags.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${displayName(table)} (${columns.map(quoteIdent).join(', ')})${where ? ` WHERE ${where.text}` : ''};`;
    return {
      name: slug('add', name),
      notes: [
        `Builds ${name} CONCURRENTLY: SHARE UPDATE EXCLUSIVE only, reads and writes go on; the runner runs it outside a transaction.`,
        'A failed build leaves an INVALID index behind: abort (or rerunning after DROP INDEX CONCURRENTLY) cleans it up.',
        ...(flags.unique ? ['Unique: both releases must stop writing duplicates before expand, or the build fails.'] : []),
      ],
      expand: [statement],
      migrate: [],
      contract: [],
      abort: [`DROP INDEX CONCURRENTLY IF EXISTS ${inSchemaOf(table, name)};`],
    };
  },
};
