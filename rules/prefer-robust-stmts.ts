import type { Node } from '@pgsql/types';
import type { MigrationFile } from '../src/migrations/migration.js';
import { PHASES } from '../src/migrations/phase.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { alterTableCommands, constraintOf } from '../src/lint/alter-table.js';
import { findWords, tokenSpanAt, type Span } from '../src/lint/span.js';
import { displayName, nameOfList, nameOfRangeVar, quoteIdent, stringValue, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

/**
 * A statement is fragile when a re-run of the migration can find its effect
 * already in place. A migration that fails is re-run from its first statement
 * (golang-migrate, Flyway, goose, dbmate, Prisma and diesel have no resume
 * point inside a file), so a statement whose effect was committed before a
 * later statement failed is run a second time. That happens only when the
 * file does not run as one transaction: the statement runs in autocommit, or
 * in a transaction that a COMMIT in the file ends before later statements run.
 * A statement in the file's last transaction rolls back with whatever fails
 * after it, so it is left alone, as is everything in a file that runs as one
 * transaction.
 *
 * pgtandem's runner checkpoints each completed action (a phase's transaction,
 * or a statement it runs alone: DESIGN.md §3, plan → actions) and resumes
 * after it, so its transactions never run twice. What is left is the one statement that is not atomic by itself:
 * CREATE INDEX CONCURRENTLY, which on failure or cancellation (lock_timeout,
 * a deadlock, a duplicate key) leaves an INVALID index behind. Its retry fails
 * on "already exists" — or, with IF NOT EXISTS, succeeds while keeping the
 * INVALID index, which queries never use. Only dropping it first is robust.
 */

type Target = 'table' | 'index' | 'sequence' | 'schema' | 'extension' | 'constraint';

interface Fragile {
  /** `CREATE TABLE orders`, `ADD COLUMN note to orders`. */
  what: string;
  /** The clause that makes it robust. */
  fix: 'IF NOT EXISTS' | 'IF EXISTS' | 'DROP CONSTRAINT IF EXISTS first';
  error: 'already exists' | 'does not exist';
  span: () => Span | undefined;
}

interface Deferred {
  /** Statements with the same key commit together. */
  key: string;
  flush: () => void;
}

interface FileState {
  lastStart: number;
  /** Fragile statements of transactions still open: reported once a later statement runs in another transaction. */
  deferred: Deferred[];
  /** `kind\0name` of objects dropped with IF EXISTS earlier in the file: creating them again is re-runnable. */
  droppedIfExists: Set<string>;
}

const states = new WeakMap<MigrationFile, FileState>();

function stateOf(statement: Statement, context: RuleContext): FileState {
  let state = states.get(context.file);
  // Statements come in file order; a start that goes back is the same file linted again.
  if (!state || statement.start <= state.lastStart) {
    state = { lastStart: -1, deferred: [], droppedIfExists: new Set() };
    states.set(context.file, state);
  }
  state.lastStart = statement.start;
  return state;
}

const dropKey = (kind: string, name: string, table?: QualifiedName): string => `${kind}\u0000${table ? `${table.name}\u0000` : ''}${name}`;

const DROP_KINDS: Record<string, Target> = {
  OBJECT_TABLE: 'table',
  OBJECT_MATVIEW: 'table',
  OBJECT_INDEX: 'index',
  OBJECT_SEQUENCE: 'sequence',
  OBJECT_SCHEMA: 'schema',
  OBJECT_EXTENSION: 'extension',
};

/** From the statement's first token to the end of the object name at `location`. */
function headSpan(statement: Statement, location: number | undefined): Span | undefined {
  const name = tokenSpanAt(statement, location);
  if (name.start === statement.start && name.end === statement.end) return undefined;
  const tokens = statement.tokens;
  let i = tokens.findIndex((t) => t.start === name.start);
  while (tokens[i + 1]?.text === '.' && tokens[i + 2]) i += 2;
  return { start: statement.start, end: tokens[i]?.end ?? name.end };
}

/** The name in a DROP's object list: `a.b` lists, bare strings (schemas, extensions), functions, types. */
function droppedName(object: Node): QualifiedName | undefined {
  if ('List' in object) return nameOfList(object.List.items);
  if ('String' in object) return { schema: undefined, name: object.String.sval ?? '' };
  if ('ObjectWithArgs' in object) return nameOfList(object.ObjectWithArgs.objname);
  if ('TypeName' in object) return nameOfList(object.TypeName.names);
  return undefined;
}

/** `tr ON app.t` for triggers, policies and rules, whose lists end with the member's name. */
function memberName(object: Node): string | undefined {
  if (!('List' in object)) return undefined;
  const items = object.List.items ?? [];
  const name = stringValue(items[items.length - 1]);
  const table = nameOfList(items.slice(0, -1));
  return name && table ? `${quoteIdent(name)} ON ${displayName(table)}` : name;
}

/** What re-running `statement` would fail on, recording IF EXISTS drops as it goes. */
function fragileParts(statement: Statement, state: FileState): Fragile[] {
  const node = statement.node;
  if (!node) return [];
  const parts: Fragile[] = [];
  const create = (kind: Target, label: string, name: QualifiedName | undefined, ifNotExists: boolean | undefined, span: () => Span | undefined): void => {
    if (ifNotExists || !name || state.droppedIfExists.has(dropKey(kind, name.name))) return;
    parts.push({ what: `CREATE ${label} ${displayName(name)}`, fix: 'IF NOT EXISTS', error: 'already exists', span });
  };
  const head = (location: number | undefined) => (): Span | undefined => headSpan(statement, location);

  const table = nodeOf(statement, 'CreateStmt');
  if (table && table.relation?.relpersistence !== 't') {
    create('table', 'TABLE', nameOfRangeVar(table.relation), table.if_not_exists, head(table.relation?.location));
  }
  const tableAs = nodeOf(statement, 'CreateTableAsStmt');
  if (tableAs?.into?.rel && tableAs.into.rel.relpersistence !== 't' && (tableAs.objtype === 'OBJECT_TABLE' || tableAs.objtype === 'OBJECT_MATVIEW')) {
    const label = tableAs.objtype === 'OBJECT_MATVIEW' ? 'MATERIALIZED VIEW' : 'TABLE';
    create('table', label, nameOfRangeVar(tableAs.into.rel), tableAs.if_not_exists, head(tableAs.into.rel.location));
  }
  const index = nodeOf(statement, 'IndexStmt');
  if (index && !index.concurrent && index.idxname) {
    const name = { schema: index.relation?.schemaname, name: index.idxname };
    create('index', 'INDEX', name, index.if_not_exists, () => findWords(statement, ['CREATE', 'UNIQUE?', 'INDEX']));
  }
  const sequence = nodeOf(statement, 'CreateSeqStmt');
  if (sequence && sequence.sequence?.relpersistence !== 't') {
    create('sequence', 'SEQUENCE', nameOfRangeVar(sequence.sequence), sequence.if_not_exists, head(sequence.sequence?.location));
  }
  const schema = nodeOf(statement, 'CreateSchemaStmt');
  if (schema?.schemaname) create('schema', 'SCHEMA', { schema: undefined, name: schema.schemaname }, schema.if_not_exists, () => undefined);
  const extension = nodeOf(statement, 'CreateExtensionStmt');
  if (extension?.extname) create('extension', 'EXTENSION', { schema: undefined, name: extension.extname }, extension.if_not_exists, () => undefined);

  const drop = nodeOf(statement, 'DropStmt');
  if (drop) {
    const kind = drop.removeType ? DROP_KINDS[drop.removeType] : undefined;
    const names = (drop.objects ?? []).map(droppedName);
    if (drop.missing_ok) {
      for (const name of names) if (kind && name) state.droppedIfExists.add(dropKey(kind, name.name));
    } else {
      const label = (drop.removeType ?? 'OBJECT').replace(/^OBJECT_/, '').replace(/_/g, ' ').replace('MATVIEW', 'MATERIALIZED VIEW');
      const member = drop.removeType === 'OBJECT_TRIGGER' || drop.removeType === 'OBJECT_POLICY' || drop.removeType === 'OBJECT_RULE';
      const shown = (drop.objects ?? [])
        .map((object, i) => (member ? memberName(object) : names[i] && displayName(names[i])))
        .filter((n): n is string => n !== undefined && n !== '');
      parts.push({
        what: `DROP ${label}${shown.length > 0 ? ` ${shown.join(', ')}` : ''}`,
        fix: 'IF EXISTS',
        error: 'does not exist',
        // DROP statements are short: the whole statement.
        span: () => undefined,
      });
    }
  }

  for (const command of alterTableCommands(statement)) {
    const { table: on, cmd, onTable } = command;
    if (!onTable) continue;
    const span = (): Span => command.span;
    switch (cmd.subtype) {
      case 'AT_AddColumn': {
        const column = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef.colname : undefined;
        if (!cmd.missing_ok && column) {
          parts.push({ what: `ADD COLUMN ${quoteIdent(column)} to ${displayName(on)}`, fix: 'IF NOT EXISTS', error: 'already exists', span });
        }
        break;
      }
      case 'AT_DropColumn':
        if (!cmd.missing_ok && cmd.name) {
          parts.push({ what: `DROP COLUMN ${quoteIdent(cmd.name)} of ${displayName(on)}`, fix: 'IF EXISTS', error: 'does not exist', span });
        }
        break;
      case 'AT_DropConstraint':
        if (cmd.missing_ok && cmd.name) state.droppedIfExists.add(dropKey('constraint', cmd.name, on));
        else if (cmd.name) {
          parts.push({ what: `DROP CONSTRAINT ${quoteIdent(cmd.name)} of ${displayName(on)}`, fix: 'IF EXISTS', error: 'does not exist', span });
        }
        break;
      case 'AT_AddConstraint': {
        // Unnamed constraints get a fresh name on each run; a named one collides.
        const name = constraintOf(cmd.def)?.conname;
        if (name && !state.droppedIfExists.has(dropKey('constraint', name, on))) {
          parts.push({
            what: `ADD CONSTRAINT ${quoteIdent(name)} to ${displayName(on)}`,
            fix: 'DROP CONSTRAINT IF EXISTS first',
            error: 'already exists',
            span,
          });
        }
        break;
      }
      default:
        break;
    }
  }

  const enumValue = nodeOf(statement, 'AlterEnumStmt');
  if (enumValue?.newVal !== undefined && !enumValue.oldVal && !enumValue.skipIfNewValExists) {
    const type = nameOfList(enumValue.typeName);
    parts.push({
      what: `ALTER TYPE ${type ? displayName(type) : ''} ADD VALUE '${enumValue.newVal}'`,
      fix: 'IF NOT EXISTS',
      error: 'already exists',
      span: () => findWords(statement, ['ADD', 'VALUE']),
    });
  }
  return parts;
}

/** CREATE INDEX CONCURRENTLY: fragile by itself, whatever follows it. */
function reportConcurrentIndex(statement: Statement, context: RuleContext, state: FileState): void {
  const index = nodeOf(statement, 'IndexStmt');
  if (!index?.concurrent || context.transaction.inTransaction) return;
  const name = index.idxname;
  if (name && state.droppedIfExists.has(dropKey('index', name))) return;
  const span = findWords(statement, ['CREATE', 'UNIQUE?', 'INDEX', 'CONCURRENTLY']);
  const table = nameOfRangeVar(index.relation);
  const on = table ? ` on ${displayName(table)}` : '';
  const recipe = name
    ? `DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(name)}; then CREATE INDEX CONCURRENTLY ${quoteIdent(name)} …`
    : 'name the index, DROP INDEX CONCURRENTLY IF EXISTS that name, then CREATE INDEX CONCURRENTLY it';
  const help = `Drop any leftover first, so a retry rebuilds the index: ${recipe}. Each runs outside a transaction.`;
  if (!name) {
    context.report({
      message: `CREATE INDEX CONCURRENTLY${on} has no index name: a failed or cancelled build leaves an INVALID index, and each retry adds another one under a new name.`,
      span,
      help,
    });
  } else if (index.if_not_exists) {
    context.report({
      message: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)}${on}: after a failed or cancelled build, the retry skips the INVALID index it left, which queries never use and nothing reports.`,
      span,
      help,
    });
  } else {
    context.report({
      message: `CREATE INDEX CONCURRENTLY ${quoteIdent(name)}${on}: a failed or cancelled build leaves an INVALID index of that name, so the retry fails with "already exists".`,
      span,
      help,
    });
  }
}

/** Statements that cannot fail on their own: they never make an earlier commit matter. */
function cannotFail(statement: Statement): boolean {
  return statement.kind === 'TransactionStmt' || statement.kind === 'VariableSetStmt' || statement.kind === 'VariableShowStmt';
}

export default defineRule({
  id: 'prefer-robust-stmts',
  category: 'style',
  severity: 'warn',
  enabledByDefault: false,
  phases: PHASES,
  summary: 'A statement that fails when the migration is re-run after a partial failure (missing IF [NOT] EXISTS outside a single transaction).',
  why:
    'A migration that runs in one transaction rolls back entirely when a statement fails, and can simply be run again. One that does not — autocommit files, ' +
    'a COMMIT inside the file, files with CREATE INDEX CONCURRENTLY — keeps what ran before the failure; the re-run then stops at the first statement that already ' +
    'happened ("already exists", "does not exist") and the deploy needs hand repair. CREATE INDEX CONCURRENTLY is fragile even alone: a failed or cancelled build ' +
    '(lock_timeout, deadlock, duplicate key) leaves an INVALID index behind. Statements inside a file that runs as one transaction, and the native runner’s ' +
    'per-phase transactions (it resumes after the last completed one), are not flagged.',
  fix:
    'Write each statement so a second run is a no-op: CREATE … IF NOT EXISTS, DROP … IF EXISTS, ADD COLUMN IF NOT EXISTS, DROP COLUMN / DROP CONSTRAINT IF EXISTS, ' +
    'ADD VALUE IF NOT EXISTS, and DROP CONSTRAINT IF EXISTS before ADD CONSTRAINT. For CREATE INDEX CONCURRENTLY, run DROP INDEX CONCURRENTLY IF EXISTS <name> ' +
    'before it, so a retry rebuilds an INVALID leftover instead of failing on it or keeping it. Or keep the migration in one transaction.',
  examples: {
    bad: [
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Orders_customerId_idx" ON app."Orders" ("customerId");\n',
      'ALTER TABLE orders ADD COLUMN coupon_id bigint;\nCREATE INDEX CONCURRENTLY ON orders (coupon_id);\n',
    ],
    good: [
      'DROP INDEX CONCURRENTLY IF EXISTS orders_placed_at_idx;\nCREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n',
      // The runner applies each phase in one transaction and records it: a failure rolls the whole phase back.
      'CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL);\nALTER TABLE orders ADD COLUMN coupon_id bigint;\n',
      'BEGIN;\nALTER TABLE orders ADD COLUMN IF NOT EXISTS coupon_id bigint;\nCOMMIT;\n' +
        'DROP INDEX CONCURRENTLY IF EXISTS orders_coupon_id_idx;\nCREATE INDEX CONCURRENTLY orders_coupon_id_idx ON orders (coupon_id);\n',
    ],
  },
  check(statement, context) {
    const state = stateOf(statement, context);
    const { inTransaction, id, mode } = context.transaction;
    const key = inTransaction ? `tx${id}` : `at${statement.start}`;
    if (!cannotFail(statement)) {
      // This statement can fail after the earlier transactions committed: their fragile statements would run again.
      const open = state.deferred.filter((d) => d.key === key);
      for (const d of state.deferred) if (d.key !== key) d.flush();
      state.deferred = open;
    }
    reportConcurrentIndex(statement, context, state);
    const parts = fragileParts(statement, state);
    // The runner resumes after the last action it completed: its transactions never run twice.
    if (parts.length === 0 || mode === 'runner' || mode === 'script') return;
    const where = inTransaction ? 'is committed before the rest of the file runs' : 'runs outside a transaction';
    for (const part of parts) {
      const fixed = part.fix === 'DROP CONSTRAINT IF EXISTS first' ? 'drop it IF EXISTS first' : `add ${part.fix}`;
      // Whether it matters is known only when a later statement runs in another transaction:
      // the finding is reported then, naming this statement.
      state.deferred.push({
        key,
        flush: () =>
          context.report({
            message: `${part.what} ${where}: if a later statement fails, re-running the migration stops here with "${part.error}"; ${fixed}.`,
            span: part.span(),
            statement,
          }),
      });
    }
  },
});
