import { UsageError } from '../errors.js';
import { displayName, quoteIdent } from '../sql/names.js';
import { columnArgument, expressionArgument, tableArgument, typeArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { onRow } from './row-expression.js';
import { rowTrigger } from './steps.js';
import { columnOf, objectName, requireNoColumn, slug } from './table-facts.js';

interface Part {
  column: string;
  type: string;
  /** The part's value computed from the old column (over the row). */
  expression: string;
}

export const splitColumn: Recipe = {
  name: 'split-column',
  usage: '<table> <column> <new:type=expr>...',
  summary: 'split a column into new ones: trigger keeps both shapes in step both ways, batched backfill, old column dropped in contract',
  arity: [4, Infinity],
  options: {
    merge: 'the old column computed from the new ones, for rows the new release writes (required)',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('split-column <table>', args[0]!);
    const old = columnArgument('split-column <column>', args[1]!);
    const parts = args.slice(2).map(partArgument);
    if (flags.merge === undefined) throw new UsageError('split-column: --merge <expr> is required: the old column computed from the new ones, for the old release to read rows the new one writes');
    const merge = expressionArgument('--merge', flags.merge).text;
    columnOf('split-column', catalog, table, old);
    for (const part of parts) requireNoColumn('split-column', catalog, table, part.column);
    const t = displayName(table);
    const o = quoteIdent(old);
    const name = objectName(table.name, 'split', old);
    const columns = parts.map((p) => quoteIdent(p.column));
    const fill = parts.map((p) => `      NEW.${quoteIdent(p.column)} := ${onRow(p.expression)};`);
    const anyChanged = columns.map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`).join(' OR ');
    const allNull = columns.map((c) => `NEW.${c} IS NULL`).join(' AND ');
    const oldAllNull = columns.map((c) => `OLD.${c} IS NULL`).join(' AND ');
    const asComputed = parts.map((p) => `NEW.${quoteIdent(p.column)} IS NOT DISTINCT FROM ${onRow(p.expression)}`).join(' AND ');
    const sync = rowTrigger(table, name, [
      "  IF TG_OP = 'INSERT' THEN",
      // The old release never writes the new columns: all NULL means the row came from it.
      `    IF ${allNull} THEN`,
      ...fill,
      '    ELSE',
      `      NEW.${o} := ${onRow(merge)};`,
      '    END IF;',
      `  ELSIF NEW.${o} IS DISTINCT FROM OLD.${o} THEN`,
      ...fill.map((l) => l.replace(/^ {6}/, '    ')),
      `  ELSIF ${anyChanged} THEN`,
      // A row from before expand that the backfill has not reached: the parts this write leaves out come from the old column.
      `    IF ${oldAllNull} THEN`,
      ...parts.map((p) => `      IF NEW.${quoteIdent(p.column)} IS NULL THEN NEW.${quoteIdent(p.column)} := ${onRow(p.expression)}; END IF;`),
      '    END IF;',
      // The backfill writes exactly the computed parts: the old column is left as it is.
      `    IF NOT (${asComputed}) THEN`,
      `      NEW.${o} := ${onRow(merge)};`,
      '    END IF;',
      `  ELSIF ${allNull} THEN`,
      ...fill.map((l) => l.replace(/^ {6}/, '    ')),
      '  END IF;',
      // In step: every part as computed from the old column, as the backfill writes it.
    ], asComputed);
    return {
      name: slug('split', table.name, old),
      notes: [
        `Splits ${t}.${o} into ${columns.join(', ')}: the old release reads and writes ${o}, the new one the new columns;`,
        'a trigger computes the new columns from the old one for the old release\'s writes, and the old column with --merge for the new',
        `release's writes. The new columns are nullable: make them NOT NULL with add-not-null once this is contracted.`,
      ],
      expand: [
        `ALTER TABLE ${t} ${parts.map((p) => `ADD COLUMN ${quoteIdent(p.column)} ${p.type}`).join(', ')};`,
        '',
        ...sync.expand,
      ],
      migrate: [`UPDATE ${t} SET ${parts.map((p) => `${quoteIdent(p.column)} = ${p.expression}`).join(', ')} WHERE ${parts.map((p) => `${quoteIdent(p.column)} IS NULL`).join(' AND ')} AND ${o} IS NOT NULL;`],
      contract: [...sync.contract, `ALTER TABLE ${t} DROP COLUMN ${o};`],
      abort: [
        ...sync.abort,
        `ALTER TABLE ${t} ${parts.map((p) => `DROP COLUMN IF EXISTS ${quoteIdent(p.column)}`).join(', ')};`,
      ],
    };
  },
};

/** `first_name:text=split_part(name, ' ', 1)`: a new column, its type and its value computed from the old column. */
function partArgument(text: string): Part {
  const label = 'split-column <new:type=expr>';
  const colon = text.indexOf(':');
  const equals = text.indexOf('=', colon);
  if (colon <= 0 || equals < 0) throw new UsageError(`${label}: "${text}" is not <column>:<type>=<expression>`);
  return {
    column: columnArgument(label, text.slice(0, colon)),
    type: typeArgument(label, text.slice(colon + 1, equals)),
    expression: expressionArgument(label, text.slice(equals + 1)).text,
  };
}
