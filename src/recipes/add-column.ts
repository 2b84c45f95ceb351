import { UsageError } from '../errors.js';
import { expressionVolatility } from '../sql/function-volatility.js';
import { displayName, quoteIdent } from '../sql/names.js';
import { columnArgument, expressionArgument, tableArgument, typeArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { append, backfill, emptySteps, fillTrigger, notNullViaCheck } from './steps.js';
import { requireNoColumn, slug } from './table-facts.js';

export const addColumn: Recipe = {
  name: 'add-column',
  usage: '<table> <column> <type>',
  summary: 'add a column; NOT NULL through a default, or a fill trigger + backfill + validated check',
  arity: [3, 3],
  options: {
    notNull: 'the column is NOT NULL (needs --default or --backfill)',
    default: 'the column default (a constant: one statement; volatile such as gen_random_uuid(): set after the column, then backfilled)',
    backfill: 'the value for existing rows and for rows the old release inserts, over the row\'s columns (lower(email))',
  },
  build({ args, flags, catalog, pgVersion }) {
    const table = tableArgument('add-column <table>', args[0]!);
    const column = columnArgument('add-column <column>', args[1]!);
    const type = typeArgument('add-column <type>', args[2]!);
    const fallback = flags.default === undefined ? undefined : expressionArgument('--default', flags.default);
    const fill = flags.backfill === undefined ? undefined : expressionArgument('--backfill', flags.backfill);
    requireNoColumn('add-column', catalog, table, column);
    if (fallback && fill) throw new UsageError('add-column: --default and --backfill cannot be combined (the default already fills every row the old release inserts)');
    if (flags.notNull && !fallback && !fill) {
      throw new UsageError('add-column: --not-null needs --default <expr> or --backfill <expr>: the value for existing rows and for the rows the old release inserts without the column');
    }
    const t = displayName(table);
    const c = quoteIdent(column);
    const steps = emptySteps();
    const notes: string[] = [];
    // STABLE defaults (now()) are evaluated once for the whole ALTER: metadata only, like constants (PG ≥ 11).
    const constant = fallback !== undefined && expressionVolatility(fallback.node).volatility !== 'volatile';

    if (fallback && constant && pgVersion >= 11) {
      steps.expand.push(`ALTER TABLE ${t} ADD COLUMN ${c} ${type}${flags.notNull ? ' NOT NULL' : ''} DEFAULT ${fallback.text};`);
      notes.push(
        `Adds ${t}.${c}${flags.notNull ? ' NOT NULL' : ''} with a constant default: on PostgreSQL 11 and later one metadata-only statement (no rewrite, no scan).`,
        'The old release keeps working: its inserts get the default.',
      );
    } else if (fallback) {
      // A volatile default given in ADD COLUMN rewrites the table (HAZARDS #2); set afterwards it only applies to new rows.
      steps.expand.push(`ALTER TABLE ${t} ADD COLUMN ${c} ${type}, ALTER COLUMN ${c} SET DEFAULT ${fallback.text};`);
      steps.migrate.push(backfill(table, column, fallback.text));
      notes.push(
        `Adds ${t}.${c} without rewriting the table: the column first, its ${constant ? '' : 'volatile '}default set in the same statement (new rows only),`,
        'existing rows backfilled in batches in migrate.',
      );
    } else {
      steps.expand.push(`ALTER TABLE ${t} ADD COLUMN ${c} ${type};`);
      notes.push(`Adds ${t}.${c}${fill ? '' : ' (nullable)'}.`);
    }
    if (fill) {
      steps.expand.push('');
      append(steps, fillTrigger(table, column, fill.text));
      steps.migrate.push(backfill(table, column, fill.text));
      notes.push(`A trigger fills ${c} with ${fill.text} for the rows the old release writes without it; existing rows are backfilled in migrate.`);
    }
    if (flags.notNull && !(fallback && constant && pgVersion >= 11)) {
      const check = notNullViaCheck(table, column);
      steps.expand.push(...check.expand);
      steps.migrate.push(...check.migrate);
      // The trigger goes last: until SET NOT NULL, the check is what keeps NULLs out.
      steps.contract.unshift(...check.contract);
      notes.push('NOT NULL without a scan under ACCESS EXCLUSIVE: a NOT VALID check in expand, validated in migrate, SET NOT NULL in contract.');
    }
    steps.abort.push(`ALTER TABLE ${t} DROP COLUMN IF EXISTS ${c};`);
    notes.push('', `The new release may read and write ${c} from expand on; abort drops the column.`);
    return { name: slug('add', table.name, column), notes, ...steps };
  },
};
