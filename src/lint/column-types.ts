import type { ColumnDef, TypeName } from '@pgsql/types';
import { displayName, nameOfRangeVar, quoteIdent, stringValue, type QualifiedName } from '../sql/names.js';
import { nodeOf, type Statement } from '../sql/statement.js';
import type { Token } from '../sql/token.js';
import { statementSpan, type Span } from './span.js';

/** A column type written in a table definition: `CREATE TABLE` columns, `ADD COLUMN`, `ALTER COLUMN … TYPE`. */
export interface ColumnType {
  table: QualifiedName;
  column: string;
  typeName: TypeName;
  /**
   * The built-in type as PostgreSQL names it (`int4`, `varchar`, `timestamp`, `bpchar`, `serial`, …):
   * the parser spells `integer` as `pg_catalog.int4`, `character varying` as `pg_catalog.varchar`.
   * Undefined for a type qualified with another schema (a user's own type).
   */
  builtin: string | undefined;
  /** `int[]`, `varchar(20) ARRAY`. */
  isArray: boolean;
  /** The first type modifier when it is a number: 255 in `varchar(255)`, 1 in a bare `char`. */
  length: number | undefined;
  how: 'create-table' | 'add-column' | 'alter-type';
  /** The type as written (`character varying(255)`), for messages. */
  readonly text: string;
  /** The type in the source, from its first word to its modifiers and array brackets. */
  readonly span: Span;
}

const typesOf = new WeakMap<Statement, ColumnType[]>();

/**
 * The column types a statement writes into a permanent table. Temporary and
 * foreign tables are left out: their types are not the schema's to keep.
 * Spans tokenize the statement, so they are built only when read.
 */
export function columnTypes(statement: Statement): ColumnType[] {
  let types = typesOf.get(statement);
  if (types) return types;
  types = [];
  const create = nodeOf(statement, 'CreateStmt');
  const createdTable = nameOfRangeVar(create?.relation);
  if (create && createdTable && create.relation?.relpersistence !== 't') {
    for (const element of create.tableElts ?? []) {
      if ('ColumnDef' in element) add(types, statement, createdTable, element.ColumnDef, element.ColumnDef.colname, 'create-table');
    }
  }
  const alter = nodeOf(statement, 'AlterTableStmt');
  const alteredTable = nameOfRangeVar(alter?.relation);
  const onTable = alter?.objtype === undefined || alter.objtype === 'OBJECT_TABLE';
  if (alter && alteredTable && onTable) {
    for (const c of alter.cmds ?? []) {
      if (!('AlterTableCmd' in c)) continue;
      const cmd = c.AlterTableCmd;
      const def = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : undefined;
      if (!def) continue;
      if (cmd.subtype === 'AT_AddColumn') add(types, statement, alteredTable, def, def.colname, 'add-column');
      if (cmd.subtype === 'AT_AlterColumnType') add(types, statement, alteredTable, def, cmd.name, 'alter-type');
    }
  }
  typesOf.set(statement, types);
  return types;
}

function add(
  types: ColumnType[],
  statement: Statement,
  table: QualifiedName,
  def: ColumnDef,
  column: string | undefined,
  how: ColumnType['how'],
): void {
  const typeName = def.typeName;
  // Typed-table and PARTITION OF columns (`c WITH OPTIONS …`) carry no type of their own.
  if (!typeName?.names || column === undefined) return;
  let span: Span | undefined;
  const spanOf = (): Span => (span ??= typeSpan(statement, typeName.location));
  types.push({
    table,
    column,
    typeName,
    builtin: builtinName(typeName),
    isArray: (typeName.arrayBounds ?? []).length > 0,
    length: firstModifier(typeName),
    how,
    get span(): Span {
      return spanOf();
    },
    get text(): string {
      const s = spanOf();
      return tidy(statement.text.slice(s.start - statement.start, s.end - statement.start));
    },
  });
}

/** How a message names the change: `Column email of users is varchar(80)` / `Changing column email of users to varchar(80)`. */
export function describeColumnType(type: ColumnType): string {
  const where = `${quoteIdent(type.column)} of ${displayName(type.table)}`;
  return type.how === 'alter-type' ? `Changing column ${where} to ${type.text}` : `Column ${where} is ${type.text}`;
}

/** `character varying ( 10 ) [ ]` → `character varying(10)[]`. */
function tidy(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ?([([]) ?/g, '$1')
    .replace(/ ?([)\]])/g, '$1')
    .replace(/ ?, ?/g, ', ')
    .replace(/\)(?=\w)/g, ') ');
}

function firstModifier(typeName: TypeName): number | undefined {
  const first = typeName.typmods?.[0];
  return first && 'A_Const' in first ? first.A_Const.ival?.ival : undefined;
}

function builtinName(typeName: TypeName): string | undefined {
  const parts = (typeName.names ?? []).map(stringValue);
  if (parts.length === 1) return parts[0];
  if (parts.length === 2 && parts[0] === 'pg_catalog') return parts[1];
  return undefined;
}

/** Words that continue a multi-word type name: `character varying`, `double precision`, `timestamp without time zone`. */
const CONTINUATIONS = new Set(['VARYING', 'PRECISION']);
const ZONE_WORDS = ['TIME', 'ZONE'];

/**
 * The tokens of a type starting at the parser's `location`: a possibly
 * qualified name, continuation words, `(modifiers)`, `WITH[OUT] TIME ZONE`
 * and array brackets (`[]`, `ARRAY[n]`).
 */
function typeSpan(statement: Statement, location: number | undefined): Span {
  if (location === undefined || location < 0) return statementSpan(statement);
  const tokens = statement.tokens;
  const offset = statement.offsetOf(location);
  const i = tokens.findIndex((t) => t.start === offset);
  if (i < 0) return statementSpan(statement);
  const first = tokens[i]!;
  let last = i;
  const at = (k: number): Token | undefined => tokens[k];
  // Qualified names: pg_catalog.int4
  while (at(last + 1)?.text === '.' && at(last + 2)) last += 2;
  const skipGroup = (open: string, close: string): void => {
    if (at(last + 1)?.text !== open) return;
    let depth = 0;
    for (let k = last + 1; k < tokens.length; k++) {
      if (tokens[k]!.text === open) depth++;
      if (tokens[k]!.text === close) depth--;
      if (depth === 0) {
        last = k;
        return;
      }
    }
  };
  const zone = (): void => {
    const word = at(last + 1)?.upper;
    if ((word === 'WITH' || word === 'WITHOUT') && ZONE_WORDS.every((w, k) => at(last + 2 + k)?.upper === w)) last += 3;
  };
  while (at(last + 1)?.kind === 'word' && CONTINUATIONS.has(at(last + 1)!.upper)) last++;
  skipGroup('(', ')');
  zone();
  for (;;) {
    if (at(last + 1)?.text === '[') skipGroup('[', ']');
    else if (at(last + 1)?.upper === 'ARRAY') {
      last++;
      skipGroup('[', ']');
    } else break;
  }
  return { start: first.start, end: tokens[last]!.end };
}
