import { UsageError } from '../errors.js';
import { displayName, quoteIdent } from '../sql/names.js';
import { identifierArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { slug, tableOf } from './table-facts.js';

export const renameTable: Recipe = {
  name: 'rename-table',
  usage: '<old> <new>',
  summary: 'rename a table, leaving an updatable view with the old name for the old release until contract',
  arity: [2, 2],
  options: {},
  build({ args, catalog }) {
    const old = tableArgument('rename-table <old>', args[0]!);
    const renamed = identifierArgument('rename-table <new>', args[1]!);
    const target = { schema: old.schema, name: renamed };
    if (tableOf(catalog, target) || catalog.view(target)) throw new UsageError(`rename-table: ${displayName(target)} exists already`);
    const o = displayName(old);
    const n = displayName(target);
    return {
      name: slug('rename', old.name, 'to', renamed),
      notes: [
        `Renames ${o} to ${quoteIdent(renamed)}. In the same transaction a view with the old name (SELECT * of the new table) takes its`,
        'place: a simple view is automatically updatable, so the old release keeps reading and writing through it (defaults and',
        'constraints are the table\'s). The new release uses the new name from expand on; contract drops the view.',
        'Indexes, constraints and sequences keep their names.',
      ],
      expand: [`ALTER TABLE ${o} RENAME TO ${quoteIdent(renamed)};`, `CREATE VIEW ${o} AS SELECT * FROM ${n};`],
      migrate: [],
      contract: [`DROP VIEW ${o};`],
      abort: [
        `DROP VIEW IF EXISTS ${o};`,
        '-- pgtandem-ignore multiple-ddl-locks-in-transaction: the view and the table are one relation to the old release; both change in one short transaction',
        `ALTER TABLE ${n} RENAME TO ${quoteIdent(old.name)};`,
      ],
    };
  },
};
