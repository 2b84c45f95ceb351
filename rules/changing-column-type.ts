import type { ColumnDef, Node, TypeName } from '@pgsql/types';
import type { Phase } from '../src/migrations/phase.js';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { alterTableCommands, columnDefOf, type AlterTableCommand } from '../src/lint/alter-table.js';
import { earlierStatements } from '../src/lint/earlier-statements.js';
import { sameName } from '../src/lint/same-name.js';
import { displayName, nameOfRangeVar, quoteIdent, stringValue, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';
import { formatType } from '../src/schema/format-type.js';
import { typeChangeCost } from '../src/lint/type-change.js';

const REWRITE = 'rewrites the table and every index on it under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes';

const SAFE_CHANGES =
  'only varchar(n) → varchar(m ≥ n) or text, numeric(p,s) → numeric(q ≥ p,s), cidr → inet, and timestamp → timestamptz with TimeZone UTC (PostgreSQL 12+) skip the rewrite';

export default defineRule({
  id: 'changing-column-type',
  category: 'lock',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['AlterTableStmt'],
  summary: 'ALTER COLUMN … TYPE on an existing table.',
  why:
    'Changing a column’s type rewrites the whole table and rebuilds every index on it while holding an ACCESS EXCLUSIVE lock: no reads or writes until it finishes. ' +
    'Only a few binary-compatible changes skip the rewrite (varchar widened or to text, numeric precision raised at the same scale, cidr to inet, ' +
    'timestamp to timestamptz when the session TimeZone is UTC on PostgreSQL 12+, which still rebuilds the column’s indexes). Whether a change is one of them depends on the old type: ' +
    'pgtandem reads it from the migrations before this one (or the live database); when the table is not known, the change is assumed to rewrite. A view that uses the column makes PostgreSQL refuse the change. ' +
    'The running application version also reads and writes the column as its old type.',
  recipe: ['change-column-type'],
  fix:
    'Expand: add a new column with the new type and a trigger that copies every write of the old column into it, converted. ' +
    'Migrate: backfill the new column in batches and build its indexes CONCURRENTLY; ship v2 reading and writing the new column. ' +
    'Contract: drop the trigger and the old column. For a change PostgreSQL makes without a rewrite (see the message), ' +
    'silence this finding with -- pgtandem-ignore changing-column-type: <old type> → <new type> is binary-compatible.',
  examples: {
    bad: [
      'ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n',
      'ALTER TABLE orders ALTER COLUMN status SET DATA TYPE text USING status::text;\n',
    ],
    good: [
      'ALTER TABLE orders ADD COLUMN quantity_new bigint;\n-- pgtandem:migrate\nUPDATE orders SET quantity_new = quantity WHERE id BETWEEN 1 AND 1000;\n',
      'CREATE TABLE coupons (id bigint PRIMARY KEY, code varchar(20));\nALTER TABLE coupons ALTER COLUMN code TYPE text;\n',
      'ALTER TABLE orders ADD COLUMN note varchar(200);\nALTER TABLE orders ALTER COLUMN note TYPE text;\n',
    ],
  },
  check(statement, context) {
    // A foreign table keeps no rows here: nothing to rewrite.
    if (nodeOf(statement, 'AlterTableStmt')?.objtype === 'OBJECT_FOREIGN_TABLE') return;
    const commands = alterTableCommands(statement);
    commands.forEach((command, index) => {
      const { table, cmd, onTable } = command;
      if (!onTable || cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || context.isNew('table', table)) return;
      const change = columnDefOf(cmd);
      if (!change?.typeName) return;
      const column = cmd.name;
      const target = `column ${quoteIdent(column)} of ${displayName(table)} to ${typeText(change.typeName)}`;
      // A column added by this migration: its type is in the statements before this one (below).
      if (!context.isNewColumn(table, column) && checkWithCatalog(context, command, change, commands.slice(0, index))) return;
      if (context.isNewColumn(table, column)) {
        // No running version knows the column, but the table is not new: its rows are rewritten all the same.
        const added = typeAddedEarlier(earlierStatements(statement, context), commands.slice(0, index), table, column);
        if (added && !rewrites(added, change, context)) return;
        context.report({
          message:
            `Changing the type of ${target} ${REWRITE}, even though the column was added by this migration` +
            (added ? '.' : `: its old type is not visible from here, and ${SAFE_CHANGES}.`),
          span: command.span,
          help: 'Add the column with its final type in the first place: ALTER COLUMN … TYPE rewrites every row of the table even when the column is new and empty.',
        });
        return;
      }
      context.report({
        message: `Changing the type of ${target} ${REWRITE} — assumed, because the old type is unknown here: ${SAFE_CHANGES}. ${runningVersions(context.phase)} the old type.`,
        span: command.span,
      });
    });
  },
});

/**
 * The verdict when the catalog knows the column's type before this statement (from
 * the migrations before it, or the live database): no finding for a change
 * PostgreSQL makes without a rewrite, a warning when only the indexes are rebuilt,
 * an error naming the table and its indexes otherwise — and an error when a view
 * reads the column, which makes PostgreSQL refuse the ALTER. Returns false when the
 * catalog does not know the table or column: the statement alone decides then.
 */
function checkWithCatalog(context: RuleContext, command: AlterTableCommand, change: ColumnDef, earlier: readonly AlterTableCommand[]): boolean {
  const { table, cmd } = command;
  const info = context.catalog.table(table, context.searchPath);
  const column = info?.columns.find((c) => c.name === cmd.name);
  // An earlier subcommand of this statement may have changed the column already: the catalog is a statement behind.
  if (!info || !column || !change.typeName || earlier.some((c) => c.cmd.name === cmd.name && c.cmd.subtype === 'AT_AlterColumnType')) return false;
  const name = { schema: info.schema, name: info.name };
  const to = formatType(change.typeName, (t) => context.catalog.enumType({ schema: undefined, name: t }, context.searchPath)?.schema).text;
  const where = `column ${quoteIdent(column.name)} of ${displayName(table)} from ${column.type} to ${to}`;
  const views = context.catalog.viewsUsing(name, column.name);
  if (views.length > 0) {
    const list = views.map((v) => displayName({ schema: v.schema === 'public' ? undefined : v.schema, name: v.name })).join(', ');
    context.report({
      message: `Changing the type of ${where} fails: PostgreSQL refuses to alter the type of a column that ${views.length > 1 ? 'views' : 'a view'} (${list}) ${views.length > 1 ? 'use' : 'uses'}.`,
      span: command.span,
      severity: 'error',
      help: 'Drop the dependent views and recreate them after the change, in the same transaction — or, better, add a new column with the new type, backfill it, and switch the views and the application over.',
    });
    return true;
  }
  const all = context.catalog.indexesOf(name);
  const indexes = all.length;
  const cost = typeChangeCost(column.type, to, {
    pgVersion: context.pgVersion,
    timeZone: context.setting('timezone'),
    converts: change.raw_default !== undefined || change.collClause !== undefined,
  });
  if (cost === 'none') return true;
  const indexText = `${indexes} ${indexes === 1 ? 'index' : 'indexes'}`;
  if (cost === 'indexes-only') {
    // Without a rewrite, only the indexes on the column are rebuilt (their operator class changes).
    const onColumn = all.filter((i) => i.columns.some((key) => key === column.name || (key.startsWith('(') && key.includes(column.name)))).length;
    if (onColumn === 0) return true;
    context.report({
      message: `Changing the type of ${where} skips the table rewrite (TimeZone is UTC, PostgreSQL ${context.pgVersion} ≥ 12), but rebuilds its ${onColumn} ${onColumn === 1 ? 'index' : 'indexes'} under an ACCESS EXCLUSIVE lock on ${displayName(table)}: reads and writes wait until they are built.`,
      span: command.span,
      severity: 'warn',
    });
    return true;
  }
  context.report({
    message:
      `Changing the type of ${where} rewrites ${displayName(table)} and its ${indexText} under an ACCESS EXCLUSIVE lock: reads and writes wait until it finishes. ` +
      `Of the type changes, ${SAFE_CHANGES}. ${runningVersions(context.phase)} the old type.`,
    span: command.span,
  });
  return true;
}

function runningVersions(phase: Phase): string {
  if (phase === 'migrate') return 'Both running versions (v1 and v2) also read and write';
  return `The running version (${phase === 'contract' ? 'v2' : 'v1'}) also reads and writes`;
}

/**
 * The type this migration gave a column it added, as of the current statement:
 * its ADD COLUMN, followed through later type changes and renames, among the
 * statements that ran before this one and the earlier subcommands of this one.
 */
function typeAddedEarlier(earlier: readonly Statement[], before: readonly AlterTableCommand[], table: QualifiedName, column: string): TypeName | undefined {
  // Column name → its type, for the columns this migration added to the table.
  const types = new Map<string, TypeName | undefined>();
  const apply = (commands: readonly AlterTableCommand[]): void => {
    for (const { table: altered, cmd } of commands) {
      if (!sameName(altered, table)) continue;
      const def = columnDefOf(cmd);
      if (cmd.subtype === 'AT_AddColumn' && def?.colname) types.set(def.colname, def.typeName);
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && types.has(cmd.name)) types.set(cmd.name, def?.typeName);
      if (cmd.subtype === 'AT_DropColumn' && cmd.name) types.delete(cmd.name);
    }
  };
  for (const statement of earlier) {
    const rename = nodeOf(statement, 'RenameStmt');
    const renamed = nameOfRangeVar(rename?.relation);
    if (rename?.renameType === 'OBJECT_COLUMN' && renamed && sameName(renamed, table) && rename.subname && rename.newname) {
      if (types.has(rename.subname)) types.set(rename.newname, types.get(rename.subname));
      types.delete(rename.subname);
    }
    apply(alterTableCommands(statement));
  }
  apply(before);
  return types.get(column);
}

/** Whether changing a column from `from` to `change` rewrites the table (PostgreSQL's binary-coercible cases). */
function rewrites(from: TypeName, change: ColumnDef, context: RuleContext): boolean {
  const to = change.typeName;
  // A USING expression or a new collation: PostgreSQL may still avoid the rewrite, but the statement does not prove it.
  if (!to || change.raw_default || change.collClause) return true;
  const [a, b] = [describe(from), describe(to)];
  if (a.array !== b.array || a.schema !== b.schema) return true;
  const sameModifiers = a.modifiers.join() === b.modifiers.join();
  if (a.name === b.name && sameModifiers) return false;
  if (a.array > 0) return true;
  const widens = (n: number | undefined, m: number | undefined): boolean => m === undefined || (n !== undefined && m >= n);
  if ((a.name === 'varchar' || a.name === 'varbit') && a.name === b.name) return !widens(a.modifiers[0], b.modifiers[0]);
  if (a.name === 'varchar' && b.name === 'text') return false;
  if (a.name === 'text' && b.name === 'varchar') return b.modifiers.length > 0;
  if (a.name === 'numeric' && b.name === 'numeric') {
    if (b.modifiers.length === 0) return false;
    return a.modifiers.length === 0 || (a.modifiers[1] ?? 0) !== (b.modifiers[1] ?? 0) || !widens(a.modifiers[0], b.modifiers[0]);
  }
  if (a.name === 'cidr' && b.name === 'inet') return false;
  const timestamps = new Set(['timestamp', 'timestamptz']);
  if (timestamps.has(a.name) && timestamps.has(b.name)) {
    return !(context.pgVersion >= 12 && isUtc(context.setting('timezone')) && (b.modifiers.length === 0 || sameModifiers));
  }
  return true;
}

interface TypeDescription {
  schema: string | undefined;
  name: string;
  modifiers: number[];
  array: number;
}

function describe(type: TypeName): TypeDescription {
  const names = (type.names ?? []).map(stringValue).filter((n) => n !== undefined);
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  return {
    schema: schema === 'pg_catalog' ? undefined : schema,
    name: names[names.length - 1] ?? '',
    modifiers: (type.typmods ?? []).map(integerValue),
    array: type.arrayBounds?.length ?? 0,
  };
}

function integerValue(node: Node): number {
  return 'A_Const' in node ? (node.A_Const.ival?.ival ?? 0) : Number.NaN;
}

/** Zones whose UTC offset is always zero: PostgreSQL then converts timestamp ↔ timestamptz without a rewrite. */
function isUtc(zone: string | undefined): boolean {
  return zone !== undefined && /^(utc|gmt|z|zulu|universal|etc\/(utc|gmt|universal|zulu))$/i.test(zone.trim());
}

const DISPLAY_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char',
  varbit: 'bit varying',
};

/** How a type reads in a message: `bigint`, `varchar(20)`, `public.mood[]`. */
function typeText(type: TypeName): string {
  const { schema, name, modifiers, array } = describe(type);
  const base = schema ? displayName({ schema, name }) : (DISPLAY_NAMES[name] ?? quoteIdent(name));
  return `${base}${modifiers.length > 0 ? `(${modifiers.join(',')})` : ''}${'[]'.repeat(array)}`;
}
