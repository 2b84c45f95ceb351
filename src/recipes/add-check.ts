import { displayName, quoteIdent } from '../sql/names.js';
import { conditionArgument, identifierArgument, tableArgument } from './arguments.js';
import type { Recipe } from './recipe.js';
import { requireNoConstraint, slug } from './table-facts.js';

export const addCheck: Recipe = {
  name: 'add-check',
  usage: '<table> <name> <expression>',
  summary: 'add a CHECK constraint NOT VALID (instant), validated in migrate without blocking writes',
  arity: [3, 3],
  options: {},
  build({ args, catalog }) {
    const table = tableArgument('add-check <table>', args[0]!);
    const name = identifierArgument('add-check <name>', args[1]!);
    const condition = conditionArgument('add-check <expression>', args[2]!);
    const t = displayName(table);
    const c = quoteIdent(name);
    requireNoConstraint('add-check', catalog, table, name);
    return {
      name: slug('add', table.name, name),
      notes: [
        `Adds CHECK (${condition.text}) to ${t}: NOT VALID in expand checks new and updated rows at once, without a scan;`,
        'VALIDATE in migrate checks the existing rows under SHARE UPDATE EXCLUSIVE (reads and writes go on).',
        'Both releases must write rows that pass it from expand on; fix violating rows before migrate (or in migrate, above the VALIDATE).',
      ],
      expand: [`ALTER TABLE ${t} ADD CONSTRAINT ${c} CHECK (${condition.text}) NOT VALID;`],
      migrate: [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${c};`],
      contract: [],
      abort: [`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${c};`],
    };
  },
};
