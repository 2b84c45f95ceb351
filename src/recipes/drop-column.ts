import { UsageError } from '../errors.js';
import { displayName, quoteIdent } from '../sql/names.js';
import { columnArgument, expressionArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { columnOf, indexesOn, inSchemaOf, slug, tableOf } from './table-facts.js';

export const dropColumn: Recipe = {
  name: 'drop-column',
  usage: '<table> <column>',
  summary: 'drop a column the new release no longer uses: made optional for it in expand, dropped in contract',
  arity: [2, 2],
  options: {
    default: 'for a NOT NULL column without a default: the value rows inserted by the new release get (the old release still reads them)',
    allowNull: 'for a NOT NULL column without a default: drop NOT NULL instead (the old release must cope with NULL)',
    notNull: 'when the migrations directory does not define the table: the column is NOT NULL without a default',
    nullable: 'when the migrations directory does not define the table: the column is nullable or has a default',
  },
  build({ args, flags, catalog }) {
    const table = tableArgument('drop-column <table>', args[0]!);
    const column = columnArgument('drop-column <column>', args[1]!);
    const fallback = flags.default === undefined ? undefined : expressionArgument('--default', flags.default);
    const info = columnOf('drop-column', catalog, table, column);
    if (!info && !flags.notNull && !flags.nullable) {
      throw new UsageError(`drop-column: the migrations directory does not define ${displayName(table)}.${quoteIdent(column)}: pass --not-null (NOT NULL without a default) or --nullable`);
    }
    const required = info ? info.notNull && info.default === undefined && !info.identity && !info.generated : flags.notNull === true;
    if (required && !fallback && !flags.allowNull) {
      throw new UsageError(
        `drop-column: ${displayName(table)}.${quoteIdent(column)} is NOT NULL without a default, so the new release's inserts would fail: pass --default <expr> (a value the old release can read) or --allow-null`,
      );
    }
    if (!required && (fallback || flags.allowNull)) throw new UsageError(`drop-column: --default and --allow-null are for a NOT NULL column without a default; ${quoteIdent(column)} is not one`);
    const t = displayName(table);
    const c = quoteIdent(column);
    const notes = [
      `Drops ${t}.${c}. Ship a new release that no longer reads or writes ${c} (and no SELECT *), then contract drops it`,
      'once the old release is gone: DROP COLUMN takes ACCESS EXCLUSIVE briefly and rewrites nothing.',
    ];
    const expand: string[] = [];
    const abort: string[] = [];
    if (fallback) {
      expand.push(`ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${fallback.text};`);
      abort.push(`ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;`);
      notes.push(`Expand gives ${c} the default ${fallback.text}, so the new release can insert without it; abort takes the default away again.`);
    } else if (flags.allowNull) {
      expand.push(
        `-- pgtandem-ignore ban-drop-not-null: --allow-null: the old release copes with NULL in ${c}, which the new release no longer writes`,
        `ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL;`,
      );
      notes.push(`Expand drops NOT NULL so the new release can insert without ${c}; the old release must cope with NULL there. Abort leaves it nullable.`);
    } else {
      expand.push(`-- Nothing to change before the new release ships: ${c} is nullable or has a default, so inserts without it work.`);
    }
    const contract: string[] = [];
    for (const index of indexesOn(catalog, table, column)) {
      const owned = tableOf(catalog, table)?.constraints.some((k) => k.index === index.name);
      // DROP COLUMN would drop these indexes too, under its ACCESS EXCLUSIVE lock; CONCURRENTLY first keeps that lock short.
      if (!owned) contract.push(`DROP INDEX CONCURRENTLY IF EXISTS ${inSchemaOf(table, index.name)};`);
    }
    contract.push(`ALTER TABLE ${t} DROP COLUMN ${c};`);
    const known = tableOf(catalog, table);
    const views = known ? catalog.viewsUsing({ schema: known.schema, name: known.name }, column) : [];
    if (views.length > 0) notes.push(`Views reading ${c} (${views.map((v) => v.name).join(', ')}) must be redefined without it in contract, before the drop.`);
    return { name: slug('drop', table.name, column), notes, expand, migrate: [], contract, abort };
  },
};
