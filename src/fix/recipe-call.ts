import type { IndexElem } from '@pgsql/types';
import { columnConstraints, columnDefOf, constraintOf, type AlterTableCommand } from '../lint/alter-table.js';
import { truncateIdentifier } from '../lint/identifier-length.js';
import type { Span } from '../lint/span.js';
import type { RecipeFlags } from '../recipes/recipe.js';
import { displayName, nameOfRangeVar, quoteIdent, stringValue, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import type { Token } from '../sql/token.js';
import { commandAt } from './command-at.js';

/** A `pgtandem new` invocation that does safely what a flagged statement does. */
export interface RecipeCall {
  recipe: string;
  /** The positional arguments, as SQL (identifiers quoted where they need it, types and expressions as written). */
  args: string[];
  flags: RecipeFlags;
  /** The ALTER TABLE clause the recipe replaces; absent when it replaces the whole statement. */
  command?: AlterTableCommand;
}

type Derive = (statement: Statement, span: Span) => RecipeCall | undefined;

/**
 * The recipe call that replaces a flagged statement, filled from its parse
 * tree: the first of the rule's recipes whose shape the statement has (a
 * rename, a type change, …). Undefined when none fits — an index on an
 * expression, a foreign key over two columns.
 */
export function recipeCallOf(recipes: readonly string[], statement: Statement, span: Span): RecipeCall | undefined {
  for (const recipe of recipes) {
    const call = DERIVE[recipe]?.(statement, span);
    if (call) return call;
  }
  return undefined;
}

const table = (name: QualifiedName): string => displayName(name);

/** Words that end a column's type (or its DEFAULT expression) in ADD COLUMN: the next constraint. */
const COLUMN_CONSTRAINT_WORDS = ['NOT', 'NULL', 'DEFAULT', 'CONSTRAINT', 'CHECK', 'REFERENCES', 'PRIMARY', 'UNIQUE', 'GENERATED', 'COLLATE'];

/** The ALTER TABLE clause at the span, when it is of `subtype`. */
function clause(statement: Statement, span: Span, subtype: string): AlterTableCommand | undefined {
  const command = commandAt(statement, span);
  return command?.onTable && command.cmd.subtype === subtype ? command : undefined;
}

/** The ADD CONSTRAINT clause at the span, with its constraint, when it is of `contype`. */
function addConstraint(statement: Statement, span: Span, contype: string) {
  const command = clause(statement, span, 'AT_AddConstraint');
  const constraint = constraintOf(command?.cmd.def);
  return command && constraint?.contype === contype ? { command, constraint } : undefined;
}

const names = (nodes: Parameters<typeof stringValue>[0][] | undefined): string[] | undefined => {
  const list = (nodes ?? []).map(stringValue);
  return list.length > 0 && list.every((n) => n !== undefined) ? (list as string[]) : undefined;
};

/** The source text of the tokens from index `from` up to (not including) the first top-level word in `stop`, or the end. */
function textFrom(statement: Statement, tokens: readonly Token[], from: number, stop: readonly string[] = []): string | undefined {
  let depth = 0;
  let end = from;
  for (; end < tokens.length; end++) {
    const token = tokens[end]!;
    if (depth === 0 && token.kind === 'word' && stop.includes(token.upper)) break;
    if (token.text === '(') depth++;
    if (token.text === ')') depth--;
  }
  if (end === from) return undefined;
  return statement.text.slice(tokens[from]!.start - statement.start, tokens[end - 1]!.end - statement.start);
}

const tokensIn = (statement: Statement, span: Span): Token[] => statement.tokens.filter((t) => t.start >= span.start && t.end <= span.end);

/** The text inside the parentheses that open at token index `open`. */
function parenthesized(statement: Statement, tokens: readonly Token[], open: number): string | undefined {
  if (tokens[open]?.text !== '(') return undefined;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    if (tokens[i]!.text === ')' && --depth === 0) return i > open + 1 ? statement.text.slice(tokens[open + 1]!.start - statement.start, tokens[i - 1]!.end - statement.start) : undefined;
  }
  return undefined;
}

const DERIVE: Record<string, Derive> = {
  'rename-column': (statement) => {
    const rename = nodeOf(statement, 'RenameStmt');
    const on = nameOfRangeVar(rename?.relation);
    if (!rename || !on || rename.renameType !== 'OBJECT_COLUMN' || !rename.subname || !rename.newname) return undefined;
    return { recipe: 'rename-column', args: [table(on), quoteIdent(rename.subname), quoteIdent(rename.newname)], flags: {} };
  },
  'rename-table': (statement) => {
    const rename = nodeOf(statement, 'RenameStmt');
    const on = nameOfRangeVar(rename?.relation);
    if (!rename || !on || rename.renameType !== 'OBJECT_TABLE' || !rename.newname) return undefined;
    return { recipe: 'rename-table', args: [table(on), quoteIdent(rename.newname)], flags: {} };
  },
  'change-column-type': (statement, span) => {
    const command = clause(statement, span, 'AT_AlterColumnType');
    const def = command && columnDefOf(command.cmd);
    if (!command?.cmd.name || !def?.typeName || def.collClause) return undefined;
    const tokens = tokensIn(statement, command.span);
    const at = tokens.findIndex((t) => t.upper === 'TYPE');
    const type = textFrom(statement, tokens, at + 1, ['USING', 'COLLATE']);
    if (at < 0 || !type) return undefined;
    const usingAt = tokens.findIndex((t, i) => i > at && t.upper === 'USING');
    const using = usingAt < 0 ? undefined : textFrom(statement, tokens, usingAt + 1);
    return { recipe: 'change-column-type', args: [table(command.table), quoteIdent(command.cmd.name), type], flags: using ? { using } : {}, command };
  },
  'add-not-null': (statement, span) => {
    const set = clause(statement, span, 'AT_SetNotNull');
    if (set?.cmd.name) return { recipe: 'add-not-null', args: [table(set.table), quoteIdent(set.cmd.name)], flags: {}, command: set };
    const added = addConstraint(statement, span, 'CONSTR_NOTNULL');
    const column = added && stringValue(added.constraint.keys?.[0]);
    return added && column ? { recipe: 'add-not-null', args: [table(added.command.table), quoteIdent(column)], flags: {}, command: added.command } : undefined;
  },
  'drop-column': (statement, span) => {
    // DROP NOT NULL so the new release can stop writing the column: the first step of dropping it.
    const nullable = clause(statement, span, 'AT_DropNotNull');
    if (nullable?.cmd.name) return { recipe: 'drop-column', args: [table(nullable.table), quoteIdent(nullable.cmd.name)], flags: { allowNull: true }, command: nullable };
    const drop = clause(statement, span, 'AT_DropColumn');
    if (!drop?.cmd.name || drop.cmd.behavior === 'DROP_CASCADE') return undefined;
    return { recipe: 'drop-column', args: [table(drop.table), quoteIdent(drop.cmd.name)], flags: {}, command: drop };
  },
  'add-column': (statement, span) => {
    const add = clause(statement, span, 'AT_AddColumn');
    const def = add && columnDefOf(add.cmd);
    if (!add || !def?.colname || !def.typeName || def.collClause || add.cmd.missing_ok) return undefined;
    const constraints = columnConstraints(def);
    if (constraints.some((c) => c.contype !== 'CONSTR_NOTNULL' && c.contype !== 'CONSTR_NULL' && c.contype !== 'CONSTR_DEFAULT')) return undefined;
    const tokens = tokensIn(statement, add.span);
    const name = tokens.findIndex((t) => t.start >= statement.offsetOf(def.location ?? 0));
    const type = name < 0 ? undefined : textFrom(statement, tokens, name + 1, COLUMN_CONSTRAINT_WORDS);
    const at = tokens.findIndex((t) => t.upper === 'DEFAULT');
    const fallback = at < 0 ? undefined : textFrom(statement, tokens, at + 1, COLUMN_CONSTRAINT_WORDS);
    if (!type || (at >= 0 && !fallback)) return undefined;
    const notNull = constraints.some((c) => c.contype === 'CONSTR_NOTNULL');
    return { recipe: 'add-column', args: [table(add.table), quoteIdent(def.colname), type], flags: { ...(notNull ? { notNull: true } : {}), ...(fallback ? { default: fallback } : {}) }, command: add };
  },
  'add-index': (statement, span) => {
    const index = nodeOf(statement, 'IndexStmt');
    const on = nameOfRangeVar(index?.relation);
    if (index && on) {
      const elems = (index.indexParams ?? []).map((p) => ('IndexElem' in p ? p.IndexElem : undefined));
      const plain = (e: IndexElem | undefined): e is IndexElem & { name: string } => !!e?.name && !e.expr && !e.opclass?.length && !e.collation?.length && (e.ordering ?? 'SORTBY_DEFAULT') === 'SORTBY_DEFAULT' && (e.nulls_ordering ?? 'SORTBY_NULLS_DEFAULT') === 'SORTBY_NULLS_DEFAULT';
      if (!elems.every(plain) || elems.length === 0 || index.indexIncludingParams?.length || (index.accessMethod ?? 'btree') !== 'btree' || index.options?.length || index.tableSpace || index.nulls_not_distinct) return undefined;
      const where = statement.tokens.findIndex((t) => t.upper === 'WHERE');
      const condition = index.whereClause && where >= 0 ? textFrom(statement, statement.tokens, where + 1) : undefined;
      if (index.whereClause && !condition) return undefined;
      return { recipe: 'add-index', args: [table(on), ...elems.map((e) => quoteIdent(e.name))], flags: { ...(index.unique ? { unique: true } : {}), ...(condition ? { where: condition } : {}) } };
    }
    // A foreign key without an index on its columns: the index it needs.
    const key = addConstraint(statement, span, 'CONSTR_FOREIGN');
    const columns = names(key?.constraint.fk_attrs);
    return key && columns ? { recipe: 'add-index', args: [table(key.command.table), ...columns.map(quoteIdent)], flags: {} } : undefined;
  },
  'add-foreign-key': (statement, span) => {
    const key = addConstraint(statement, span, 'CONSTR_FOREIGN');
    const columns = names(key?.constraint.fk_attrs);
    const referenced = names(key?.constraint.pk_attrs);
    const target = nameOfRangeVar(key?.constraint.pktable);
    if (!key || columns?.length !== 1 || referenced?.length !== 1 || !target) return undefined;
    return { recipe: 'add-foreign-key', args: [table(key.command.table), quoteIdent(columns[0]!), `${table(target)}(${quoteIdent(referenced[0]!)})`], flags: {}, command: key.command };
  },
  'add-check': (statement, span) => {
    const check = addConstraint(statement, span, 'CONSTR_CHECK');
    if (!check) return undefined;
    const tokens = tokensIn(statement, check.command.span);
    const at = tokens.findIndex((t) => t.upper === 'CHECK');
    const expression = at < 0 ? undefined : parenthesized(statement, tokens, at + 1);
    if (!expression) return undefined;
    const name = check.constraint.conname ?? truncateIdentifier(`${check.command.table.name}_check`);
    return { recipe: 'add-check', args: [table(check.command.table), quoteIdent(name), expression], flags: {}, command: check.command };
  },
  'add-unique': (statement, span) => {
    const unique = addConstraint(statement, span, 'CONSTR_UNIQUE');
    const keys = names(unique?.constraint.keys);
    const c = unique?.constraint;
    if (!unique || !keys || c?.indexname || c?.including?.length || c?.options?.length || c?.deferrable || c?.nulls_not_distinct || c?.indexspace) return undefined;
    return { recipe: 'add-unique', args: [table(unique.command.table), ...keys.map(quoteIdent)], flags: {}, command: unique.command };
  },
};
