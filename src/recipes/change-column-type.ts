import { onRowOf } from './row-expression.js';
import { columnArgument, expressionArgument, tableArgument, typeArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { oldColumnFacts, shadowColumn } from './shadow-column.js';
import { columnOf, objectName, requireNoColumn, slug } from './table-facts.js';
import { displayName, quoteIdent } from '../sql/names.js';

export const changeColumnType: Recipe = {
  name: 'change-column-type',
  usage: '<table> <column> <new-type>',
  summary: 'change a column\'s type without a rewrite under ACCESS EXCLUSIVE: shadow column + sync trigger + backfill; swapped in in contract',
  arity: [3, 3],
  options: {
    using: 'the conversion, over the column (default: <column>::<new-type>)',
    down: 'the conversion back for the old release, over the column (default: <column>::<old-type>)',
    type: 'the column\'s current type, when the migrations directory does not define the table',
    notNull: 'with --type: the column is NOT NULL',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('change-column-type <table>', args[0]!);
    const column = columnArgument('change-column-type <column>', args[1]!);
    const type = typeArgument('change-column-type <new-type>', args[2]!);
    const current = flags.type === undefined ? undefined : typeArgument('--type', flags.type);
    const using = flags.using === undefined ? undefined : expressionArgument('--using', flags.using).text;
    const down = flags.down === undefined ? undefined : expressionArgument('--down', flags.down).text;
    const facts = oldColumnFacts('change-column-type', columnOf('change-column-type', catalog, table, column), table, column, {
      ...(current ? { type: current } : {}),
      ...(flags.notNull ? { notNull: true } : {}),
    });
    const shadow = objectName(column, 'new');
    requireNoColumn('change-column-type', catalog, table, shadow);
    // --using and --down name the column itself; the trigger and the backfill apply them to whichever value they convert.
    const convert = (expression: string | undefined, from: string, to: string) => (value: string) =>
      expression === undefined ? `${quoteIdent(value)}::${to}` : onRowOf(expression, from, quoteIdent(value));
    const { steps, notes } = shadowColumn({
      recipe: 'change-column-type',
      catalog,
      table,
      old: column,
      shadow,
      finalName: column,
      type,
      facts,
      forward: convert(using, column, type),
      backward: convert(down, column, facts.type),
      convertDefault: (expression) => `(${expression})::${type}`,
      trigger: objectName(table.name, 'sync', column, 'type'),
    });
    const c = quoteIdent(column);
    return {
      name: slug('change', table.name, column, 'to', type),
      notes: [
        `Changes ${displayName(table)}.${c} from ${facts.type} to ${type} without rewriting the table under ACCESS EXCLUSIVE:`,
        `a shadow column ${quoteIdent(shadow)} of the new type, kept in step by a trigger and backfilled in batches. Both releases keep`,
        `using the name ${c}: until contract it is the old column, after contract the new one (contract drops the old column and renames`,
        `${quoteIdent(shadow)} to ${c} in one transaction). The new release must work with either type; no release names ${quoteIdent(shadow)}.`,
        ...notes,
      ],
      ...steps,
    };
  },
};
