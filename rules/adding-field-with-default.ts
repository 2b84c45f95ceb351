import type { ColumnDef, Node } from '@pgsql/types';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { alterTableCommands, columnConstraints, columnDefOf, isSerial, nonNullDefault } from '../src/lint/alter-table.js';
import { expressionVolatility } from '../src/sql/function-volatility.js';
import { displayName, quoteIdent } from '../src/sql/names.js';
import { nodeOf } from '../src/sql/statement.js';

const REWRITE = 'rewrites the whole table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes';

const DEFAULT_RECIPE =
  'Expand: ADD COLUMN without the default (instant), then ALTER COLUMN … SET DEFAULT … in a statement of its own: it applies to new rows only and rewrites nothing. ' +
  'Migrate: backfill existing rows in batches. Contract: if the column must be NOT NULL, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.';

const GENERATED_RECIPE =
  'On PostgreSQL 18, a VIRTUAL generated column (the default there) is computed on read and rewrites nothing. Otherwise — ' +
  'Expand: ADD COLUMN as a plain nullable column plus a BEFORE INSERT OR UPDATE trigger that computes it. Migrate: backfill existing rows in batches.';

const SEQUENCE_RECIPE =
  'Expand: ADD COLUMN … bigint (nullable, no default), CREATE SEQUENCE, then ALTER COLUMN … SET DEFAULT nextval(…) in a statement of its own (new rows only). ' +
  'Migrate: backfill existing rows in batches from the sequence. Contract: SET NOT NULL via a validated CHECK (col IS NOT NULL); ' +
  'a primary key via CREATE UNIQUE INDEX CONCURRENTLY then ADD PRIMARY KEY USING INDEX.';

export default defineRule({
  id: 'adding-field-with-default',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ADD COLUMN that makes PostgreSQL rewrite the table: a volatile DEFAULT, a STORED generated column, serial or identity, or any DEFAULT before PostgreSQL 11.',
  why:
    'Since PostgreSQL 11, a column added with a constant or STABLE default (now(), CURRENT_DATE) is metadata-only: the value is computed once and stored in the catalog. ' +
    'A VOLATILE default (gen_random_uuid(), random(), clock_timestamp(), nextval()) must be computed for each row, and so must a STORED generated column, ' +
    'a serial or an identity column: PostgreSQL rewrites the whole table and all its indexes while holding an ACCESS EXCLUSIVE lock, blocking reads and writes. ' +
    'Before PostgreSQL 11 every non-NULL default rewrites the table.',
  recipe: ['add-column'],
  fix: DEFAULT_RECIPE,
  examples: {
    bad: [
      'ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n',
      'ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;\n',
      'ALTER TABLE orders ADD COLUMN legacy_id bigserial;\n',
    ],
    good: [
      'ALTER TABLE orders ADD COLUMN imported_at timestamptz DEFAULT now();\n',
      "ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';\n",
      'ALTER TABLE orders ADD COLUMN public_id uuid;\nALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();\n',
      'CREATE TABLE refunds (id bigint PRIMARY KEY);\nALTER TABLE refunds ADD COLUMN public_id uuid DEFAULT gen_random_uuid();\n',
    ],
  },
  check(statement, context) {
    // A foreign table keeps no rows here: nothing to rewrite.
    if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return;
    for (const command of alterTableCommands(statement)) {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_AddColumn') continue;
      const column = columnDefOf(cmd);
      if (!column?.colname || context.isNew('table', table)) continue;
      const rewrite = rewriteCause(column, context.pgVersion);
      if (!rewrite) continue;
      context.report({
        message: `Adding column ${quoteIdent(column.colname)} to ${displayName(table)} ${rewrite.what} ${REWRITE}.`,
        span: command.span,
        help: rewrite.help,
      });
    }
  },
});

/** Why adding this column rewrites the table (how the message goes on after the column and table), if it does. */
function rewriteCause(column: ColumnDef, pgVersion: number): { what: string; help: string } | undefined {
  const constraints = columnConstraints(column);
  if (isSerial(column)) {
    return { what: 'as a serial column fills every existing row from a sequence, which', help: SEQUENCE_RECIPE };
  }
  if (constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) {
    return { what: 'as an identity column fills every existing row from a sequence, which', help: SEQUENCE_RECIPE };
  }
  // generated_kind: 's' STORED, 'v' VIRTUAL (PostgreSQL 18, where it is the default).
  if (constraints.some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's')) {
    return { what: 'as a STORED generated column computes it for every existing row, which', help: GENERATED_RECIPE };
  }
  const defaultExpression = nonNullDefault(column);
  if (!defaultExpression) return undefined;
  const { volatility, source, assumed } = expressionVolatility(defaultExpression);
  if (volatility === 'volatile' && source === 'nextval') {
    return { what: 'with DEFAULT nextval(…) fills every existing row from a sequence, which', help: SEQUENCE_RECIPE };
  }
  if (volatility === 'volatile' && !assumed) {
    return { what: `with a DEFAULT that calls ${source}() (volatile: computed for each row) fills every existing row, which`, help: DEFAULT_RECIPE };
  }
  if (volatility === 'volatile') {
    return {
      what: `with a DEFAULT that calls ${source}(), which is not a PostgreSQL built-in: its volatility is unknown here, so it is assumed volatile — computed for each row, which`,
      help: `${DEFAULT_RECIPE} If ${source} is declared STABLE or IMMUTABLE, the ADD is metadata-only: silence this finding with -- pgtandem-ignore adding-field-with-default: <reason>.`,
    };
  }
  if (pgVersion < 11 && !isNullCast(defaultExpression)) {
    return { what: `with a DEFAULT on PostgreSQL ${pgVersion} (before 11, every non-NULL default is written into each row)`, help: DEFAULT_RECIPE };
  }
  return undefined;
}

/** `NULL::text`: PostgreSQL stores no default for it. */
function isNullCast(expression: Node): boolean {
  return 'TypeCast' in expression && expression.TypeCast.arg !== undefined && 'A_Const' in expression.TypeCast.arg && expression.TypeCast.arg.A_Const.isnull === true;
}
