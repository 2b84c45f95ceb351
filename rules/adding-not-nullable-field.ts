import type { Constraint, Node } from '@pgsql/types';
import { PHASES, type Phase } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, constraintOf, isNotValid } from '../src/lint/alter-table.js';
import { earlierStatements } from '../src/lint/earlier-statements.js';
import { sameName } from '../src/lint/same-name.js';
import { displayName, quoteIdent, stringValue, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

const RECIPE =
  'Once every running version writes a value: ADD CONSTRAINT t_col_not_null CHECK (col IS NOT NULL) NOT VALID — instant, it checks new rows only. ' +
  'Backfill the remaining NULLs in batches. VALIDATE CONSTRAINT t_col_not_null in a transaction of its own: SHARE UPDATE EXCLUSIVE, traffic continues. ' +
  'Then ALTER COLUMN col SET NOT NULL, which skips its scan once the validated check exists (PostgreSQL 12+), and DROP CONSTRAINT t_col_not_null. ' +
  'In one migration: the CHECK … NOT VALID in expand, the backfill in migrate, VALIDATE, SET NOT NULL and DROP CONSTRAINT in contract. ' +
  'On PostgreSQL 18, ADD CONSTRAINT … NOT NULL col NOT VALID followed later by VALIDATE CONSTRAINT does the same in two steps.';

const RECIPE_BEFORE_12 =
  'Before PostgreSQL 12, SET NOT NULL always scans the table: no validated constraint lets it skip the scan. ' +
  'Enforce the rule with ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, backfill NULLs in batches, then VALIDATE CONSTRAINT in a transaction of its own ' +
  '(SHARE UPDATE EXCLUSIVE: traffic continues), and keep the CHECK instead of SET NOT NULL until the server is upgraded.';

export default defineRule({
  id: 'adding-not-nullable-field',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ALTER COLUMN … SET NOT NULL (or ADD CONSTRAINT … NOT NULL col) on an existing table, without a validated CHECK (col IS NOT NULL) to skip the scan.',
  why:
    'SET NOT NULL scans every row to check for NULLs while holding an ACCESS EXCLUSIVE lock: no reads or writes until the scan ends. ' +
    'Since PostgreSQL 12 the scan is skipped when a validated CHECK (col IS NOT NULL) already proves it, and that check can be built online. ' +
    'Before the contract phase, the old version (v1) is still running: if it ever writes NULL into the column, those INSERTs and UPDATEs start failing.',
  recipe: ['add-not-null'],
  fix: RECIPE,
  examples: {
    bad: [
      'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n',
      '-- pgtandem:contract\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n',
    ],
    good: [
      'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n' +
        '-- pgtandem:contract\n' +
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n' +
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n' +
        'ALTER TABLE users DROP CONSTRAINT users_email_not_null;\n',
      'CREATE TABLE profiles (id bigint PRIMARY KEY, bio text);\nALTER TABLE profiles ALTER COLUMN bio SET NOT NULL;\n',
    ],
  },
  check(statement, context) {
    // A foreign table keeps no rows here: nothing to scan.
    if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return;
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || context.isNew('table', table)) continue;
      let column: string | undefined;
      if (cmd.subtype === 'AT_SetNotNull') column = cmd.name;
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(cmd.def);
        if (constraint?.contype === 'CONSTR_NOTNULL' && !isNotValid(constraint)) column = stringValue(constraint.keys?.[0]);
      }
      if (column === undefined) continue;
      const known = context.catalog.table(table, context.searchPath);
      const knownColumn = known?.columns.find((c) => c.name === column);
      // Already NOT NULL: SET NOT NULL has nothing to check and does not scan.
      if (knownColumn?.notNull) continue;
      if (context.pgVersion >= 12 && known?.constraints.some((c) => c.kind === 'check' && c.validated && c.isNotNullCheckOf === column)) continue;
      if (context.pgVersion >= 12 && provenNotNull(earlierStatements(statement, context), table, column)) continue;
      const scan = `Setting column ${quoteIdent(column)} of ${displayName(table)} NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait until the scan ends`;
      context.report({
        message: `${scan}${oldVersionBreaks(context.phase) ? `; and the old version (v1), still running, fails on every INSERT or UPDATE that leaves ${quoteIdent(column)} NULL` : ''}. ${
          context.pgVersion >= 12
            ? `Validate a CHECK (${quoteIdent(column)} IS NOT NULL) earlier in the migration — added NOT VALID, validated in a later transaction — and SET NOT NULL skips the scan.`
            : `On PostgreSQL ${context.pgVersion} the scan cannot be avoided.`
        }`,
        span: command.span,
        ...(context.pgVersion < 12 ? { help: RECIPE_BEFORE_12 } : {}),
      });
    }
  },
});

/** Before contract, v1 still writes the table (in abort it is the only version, and it wrote the column under NOT NULL before). */
function oldVersionBreaks(phase: Phase): boolean {
  return phase === 'expand' || phase === 'migrate';
}

/**
 * Whether `earlier` statements leave a validated constraint on `table` that proves
 * `column` is not null: a CHECK whose condition is (or is AND-ed with)
 * `column IS NOT NULL`, or a PostgreSQL 18 NOT NULL constraint — added valid, or
 * added NOT VALID and then validated, and not dropped since. PostgreSQL takes the
 * ALTER TABLE lock before any subcommand runs, so only earlier statements count.
 */
function provenNotNull(earlier: readonly Statement[], table: QualifiedName, column: string): boolean {
  // Constraint name → whether it is validated yet. Unnamed constraints get PostgreSQL's generated name.
  const proofs = new Map<string, boolean>();
  for (const statement of earlier) {
    for (const { table: altered, cmd } of alterTableCommands(statement)) {
      if (!sameName(altered, table)) continue;
      if (cmd.subtype === 'AT_AddConstraint') {
        const constraint = constraintOf(cmd.def);
        const name = constraint && proofName(constraint, table, column);
        if (constraint && name) proofs.set(name, !isNotValid(constraint));
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name && proofs.has(cmd.name)) {
        proofs.set(cmd.name, true);
      } else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
        proofs.delete(cmd.name);
      }
    }
  }
  return [...proofs.values()].some((validated) => validated);
}

/** The name of `constraint` if it proves `column` NOT NULL. */
function proofName(constraint: Constraint, table: QualifiedName, column: string): string | undefined {
  if (constraint.contype === 'CONSTR_NOTNULL' && stringValue(constraint.keys?.[0]) === column) {
    return constraint.conname ?? `${table.name}_${column}_not_null`;
  }
  // A NOT ENFORCED check (PostgreSQL 18) proves nothing; the parser marks enforced ones.
  if (constraint.contype === 'CONSTR_CHECK' && constraint.is_enforced === true && constraint.raw_expr && conjuncts(constraint.raw_expr).some((c) => isNotNullTest(c, column))) {
    return constraint.conname ?? `${table.name}_${column}_check`;
  }
  return undefined;
}

/** `a AND b AND c` → [a, b, c]: each conjunct is implied by the whole. */
function conjuncts(expression: Node): Node[] {
  if ('BoolExpr' in expression && expression.BoolExpr.boolop === 'AND_EXPR') return (expression.BoolExpr.args ?? []).flatMap(conjuncts);
  return [expression];
}

function isNotNullTest(expression: Node, column: string): boolean {
  if (!('NullTest' in expression) || expression.NullTest.nulltesttype !== 'IS_NOT_NULL') return false;
  const argument = expression.NullTest.arg;
  if (!argument || !('ColumnRef' in argument)) return false;
  const fields = argument.ColumnRef.fields ?? [];
  return fields.length === 1 && stringValue(fields[0]) === column;
}
