import { UsageError } from '../errors.js';
import { displayName, quoteIdent } from '../sql/names.js';
import { columnArgument, expressionArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { append, backfill, emptySteps, fillTrigger, notNullViaCheck } from './steps.js';
import { columnOf, slug } from './table-facts.js';

export const addNotNull: Recipe = {
  name: 'add-not-null',
  usage: '<table> <column>',
  summary: 'make a column NOT NULL without scanning under ACCESS EXCLUSIVE: NOT VALID check, VALIDATE, SET NOT NULL',
  arity: [2, 2],
  options: {
    backfill: 'fill existing NULLs (and NULLs the old release writes, through a trigger) with this expression over the row\'s columns',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('add-not-null <table>', args[0]!);
    const column = columnArgument('add-not-null <column>', args[1]!);
    const fill = flags.backfill === undefined ? undefined : expressionArgument('--backfill', flags.backfill);
    if (columnOf('add-not-null', catalog, table, column)?.notNull) throw new UsageError(`add-not-null: ${displayName(table)}.${quoteIdent(column)} is NOT NULL already`);
    const steps = emptySteps();
    const check = notNullViaCheck(table, column);
    const notes = [
      `Makes ${displayName(table)}.${quoteIdent(column)} NOT NULL: a NOT VALID check (instant) in expand guards new and updated rows,`,
      'VALIDATE in migrate scans under SHARE UPDATE EXCLUSIVE (reads and writes go on), and SET NOT NULL in contract uses the validated check instead of a scan.',
    ];
    if (fill) {
      append(steps, fillTrigger(table, column, fill.text));
      steps.expand.push('');
      steps.migrate.push(backfill(table, column, fill.text));
      notes.push(`A trigger fills NULLs written from expand on with ${fill.text}; migrate backfills the existing ones in batches first.`);
    } else {
      notes.push('Both releases must already write non-NULL values: from expand on, a NULL written to the column is rejected.');
    }
    append(steps, { expand: check.expand, migrate: check.migrate });
    steps.contract.unshift(...check.contract);
    steps.abort.push(...check.abort);
    return { name: slug(table.name, column, 'not_null'), notes, ...steps };
  },
};
