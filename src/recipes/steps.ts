import { displayName, quoteIdent, type QualifiedName } from '../sql/names.js';
import { BACKFILL_SETTING } from '../runner/backfill/run-backfill.js';
import { onRow, readsOtherRows } from './row-expression.js';
import { inSchemaOf, objectName } from './table-facts.js';

/** Statements of one recipe step, by the phase each belongs to. */
export interface Steps {
  expand: string[];
  migrate: string[];
  contract: string[];
  abort: string[];
}

export function emptySteps(): Steps {
  return { expand: [], migrate: [], contract: [], abort: [] };
}

/**
 * NOT NULL without a long ACCESS EXCLUSIVE scan (HAZARDS #12): a
 * `CHECK (c IS NOT NULL) NOT VALID` in expand (instant; checks new and updated
 * rows), VALIDATE in migrate once the backfill is done (SHARE UPDATE EXCLUSIVE:
 * reads and writes go on), and in contract SET NOT NULL — which finds the
 * validated check and skips its scan (PG ≥ 12) — then the check is dropped.
 * Abort needs nothing: dropping the column (or the check) undoes it.
 */
export function notNullViaCheck(table: QualifiedName, column: string): Steps & { check: string } {
  const t = displayName(table);
  const c = quoteIdent(column);
  // Not `<table>_<column>_not_null`: PostgreSQL 18 names the NOT NULL constraint SET NOT NULL creates that way.
  const check = objectName(table.name, column, 'not_null', 'check');
  const name = quoteIdent(check);
  return {
    check,
    expand: [`ALTER TABLE ${t} ADD CONSTRAINT ${name} CHECK (${c} IS NOT NULL) NOT VALID;`],
    migrate: [`ALTER TABLE ${t} VALIDATE CONSTRAINT ${name};`],
    contract: [`ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;`, `ALTER TABLE ${t} DROP CONSTRAINT ${name};`],
    abort: [`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${name};`],
  };
}

/**
 * A plpgsql function named `name` (in the table's schema) and the BEFORE
 * INSERT OR UPDATE row trigger that runs it: created in expand, dropped in
 * contract (once only the new release writes) and in abort. `body` is the
 * function's statements before `RETURN NEW`, indented by two spaces.
 *
 * `inStep`, a condition over `NEW` saying the row is in step already (as
 * the function would leave it), lets the runner's backfill skip it: a row its batches write
 * (`pgtandem.backfill` on) that is in step already does not fire the trigger
 * (a plpgsql call per row is most of what the trigger costs the backfill).
 * A row they write out of step fires it as any other write does — another
 * migration's backfill changing the old column still gets it copied. Left out
 * when the condition reads other rows (a subquery: not allowed in WHEN).
 */
export function rowTrigger(table: QualifiedName, name: string, body: readonly string[], inStep?: string): Steps {
  const fn = inSchemaOf(table, name);
  const trigger = quoteIdent(name);
  const t = displayName(table);
  const when =
    inStep !== undefined && !readsOtherRows(inStep)
      ? [`  FOR EACH ROW WHEN (current_setting('${BACKFILL_SETTING}', true) IS DISTINCT FROM 'on' OR (${inStep}) IS NOT TRUE)`, `  EXECUTE FUNCTION ${fn}();`]
      : [`  FOR EACH ROW EXECUTE FUNCTION ${fn}();`];
  return {
    expand: [
      `CREATE FUNCTION ${fn}() RETURNS trigger`,
      'LANGUAGE plpgsql AS $$',
      'BEGIN',
      ...body,
      '  RETURN NEW;',
      'END;',
      '$$;',
      '',
      `CREATE TRIGGER ${trigger}`,
      `  BEFORE INSERT OR UPDATE ON ${t}`,
      ...when,
    ],
    migrate: [],
    contract: [`DROP TRIGGER ${trigger} ON ${t};`, `DROP FUNCTION ${fn}();`],
    abort: [`DROP TRIGGER IF EXISTS ${trigger} ON ${t};`, `DROP FUNCTION IF EXISTS ${fn}();`],
  };
}

/**
 * A trigger that fills `column` with `expression` (over the row's other
 * columns) whenever a write leaves it NULL: the old release, which does not
 * know the column, keeps writing valid rows.
 */
export function fillTrigger(table: QualifiedName, column: string, expression: string): Steps {
  const c = quoteIdent(column);
  return rowTrigger(table, objectName(table.name, 'fill', column), [`  IF NEW.${c} IS NULL THEN`, `    NEW.${c} := ${onRow(expression)};`, '  END IF;'], `NEW.${c} IS NOT NULL`);
}

/** The batched backfill of migrate: the runner walks the table's key in short transactions. */
export function backfill(table: QualifiedName, column: string, expression: string): string {
  const c = quoteIdent(column);
  return `UPDATE ${displayName(table)} SET ${c} = ${expression} WHERE ${c} IS NULL;`;
}

/** Appends each phase of `more` to `into`, in place; returns `into`. */
export function append(into: Steps, ...more: Partial<Steps>[]): Steps {
  for (const steps of more) {
    for (const phase of ['expand', 'migrate', 'contract', 'abort'] as const) into[phase].push(...(steps[phase] ?? []));
  }
  return into;
}
