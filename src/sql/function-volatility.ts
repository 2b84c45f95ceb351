import type { Node } from '@pgsql/types';
import { nameOfList, type QualifiedName } from './names.js';

/** `pg_proc.provolatile`: whether a function may return something else for the same arguments. */
export type Volatility = 'immutable' | 'stable' | 'volatile';

// PostgreSQL's own functions (pg_catalog), as PostgreSQL 18's pg_proc marks them. A name stands
// for all its overloads and takes the most volatile one (`age(timestamp)` is immutable,
// `age(timestamptz)` stable: `age` is stable). The question rules ask is "volatile or not":
// an omission only costs a message saying the volatility is unknown.
const VOLATILE = [
  // random values and identifiers
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'array_shuffle', 'array_sample',
  // sequences
  'nextval', 'setval', 'currval', 'lastval',
  // the clock, read anew on every call
  'clock_timestamp', 'timeofday',
  // side effects
  'set_config', 'pg_sleep', 'pg_sleep_for', 'pg_sleep_until', 'pg_notify', 'current_query', 'txid_status',
  'pg_advisory_lock', 'pg_advisory_xact_lock', 'pg_try_advisory_lock', 'pg_try_advisory_xact_lock',
  'lo_create', 'lo_creat', 'lo_import', 'lo_from_bytea', 'query_to_xml', 'cursor_to_xml',
];

const STABLE = [
  // the transaction's clock: one value per transaction (or statement)
  'now', 'transaction_timestamp', 'statement_timestamp',
  // date/time functions with a timestamptz overload (they read the TimeZone setting)
  'age', 'date', 'date_add', 'date_subtract', 'date_part', 'date_trunc', 'extract', 'make_timestamptz', 'time', 'timetz',
  'timestamp', 'timestamptz', 'timezone', 'to_char', 'to_date', 'to_number', 'to_timestamp', 'generate_series',
  // session and catalog
  'current_database', 'current_schema', 'current_schemas', 'current_setting', 'current_user', 'session_user', 'system_user',
  'getpgusername', 'version', 'pg_backend_pid', 'txid_current', 'txid_current_snapshot', 'pg_current_xact_id',
  'pg_current_snapshot', 'inet_client_addr', 'inet_client_port', 'inet_server_addr', 'inet_server_port', 'obj_description',
  'col_description', 'format_type', 'pg_typeof', 'pg_column_size', 'to_regclass', 'to_regtype', 'to_regproc', 'to_regrole',
  'to_regnamespace', 'enum_first', 'enum_last', 'enum_range',
  // text functions with an overload that depends on output functions or settings
  'concat', 'concat_ws', 'format', 'array_to_string', 'quote_literal', 'quote_nullable', 'length', 'convert', 'convert_from',
  'convert_to', 'numeric', 'money',
  // JSON built from values of any type (their output functions may be stable)
  'to_json', 'to_jsonb', 'row_to_json', 'array_to_json', 'json_build_object', 'json_build_array', 'jsonb_build_object',
  'jsonb_build_array', 'json_populate_record', 'jsonb_populate_record', 'json_to_record', 'jsonb_to_record',
  'jsonb_path_exists_tz', 'jsonb_path_match_tz', 'jsonb_path_query_tz', 'jsonb_path_query_array_tz', 'jsonb_path_query_first_tz',
  // full-text search with the default configuration
  'to_tsvector', 'to_tsquery', 'plainto_tsquery', 'phraseto_tsquery', 'websearch_to_tsquery', 'get_current_ts_config',
  'ts_headline',
];

const IMMUTABLE = [
  // math
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'trunc', 'sign', 'sqrt', 'cbrt', 'power', 'exp', 'ln', 'log', 'log10', 'mod',
  'div', 'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'width_bucket', 'gcd', 'lcm',
  'factorial', 'scale', 'min_scale', 'trim_scale', 'num_nulls', 'num_nonnulls',
  // strings and bytes
  'lower', 'upper', 'initcap', 'casefold', 'btrim', 'ltrim', 'rtrim', 'lpad', 'rpad', 'left', 'right', 'repeat', 'replace',
  'reverse', 'substr', 'substring', 'strpos', 'position', 'overlay', 'split_part', 'translate', 'chr', 'ascii',
  'char_length', 'character_length', 'octet_length', 'bit_length', 'starts_with', 'string_to_array', 'normalize', 'unistr',
  'quote_ident', 'to_hex', 'to_bin', 'to_oct', 'md5', 'sha224', 'sha256', 'sha384', 'sha512', 'crc32', 'crc32c', 'encode',
  'decode', 'regexp_replace', 'regexp_match', 'regexp_matches', 'regexp_split_to_array', 'regexp_split_to_table',
  'regexp_like', 'regexp_count', 'regexp_substr', 'regexp_instr', 'text', 'varchar', 'bpchar', 'int2', 'int4', 'int8',
  'float4', 'float8', 'bool',
  // arrays
  'array_append', 'array_prepend', 'array_cat', 'array_remove', 'array_replace', 'array_length', 'array_lower',
  'array_upper', 'array_ndims', 'array_dims', 'array_position', 'array_positions', 'array_fill', 'array_reverse',
  'array_sort', 'cardinality', 'trim_array', 'unnest',
  // JSON
  'json_object', 'jsonb_object', 'json_typeof', 'jsonb_typeof', 'jsonb_set', 'jsonb_set_lax', 'jsonb_insert',
  'jsonb_strip_nulls', 'json_strip_nulls', 'jsonb_pretty', 'json_extract_path', 'json_extract_path_text',
  'jsonb_extract_path', 'jsonb_extract_path_text', 'json_array_length', 'jsonb_array_length', 'jsonb_path_exists',
  'jsonb_path_match', 'jsonb_path_query_array', 'jsonb_path_query_first',
  // date/time without a time zone
  'make_date', 'make_time', 'make_timestamp', 'make_interval', 'justify_days', 'justify_hours', 'justify_interval',
  'isfinite', 'date_bin',
  // uuid, network, full-text search with an explicit configuration
  'uuid_extract_version', 'uuid_extract_timestamp', 'host', 'hostmask', 'masklen', 'network', 'netmask', 'broadcast',
  'family', 'abbrev', 'set_masklen', 'inet_merge', 'setweight', 'strip', 'array_to_tsvector', 'tsvector_to_array',
];

// Functions of widespread extensions, found whichever schema the extension was installed in
// (public, extensions, …): uuid-ossp and pgcrypto.
const EXTENSION_FUNCTIONS: Record<string, Volatility> = {
  uuid_generate_v1: 'volatile',
  uuid_generate_v1mc: 'volatile',
  uuid_generate_v4: 'volatile',
  uuid_generate_v3: 'immutable',
  uuid_generate_v5: 'immutable',
  uuid_nil: 'immutable',
  uuid_ns_dns: 'immutable',
  uuid_ns_url: 'immutable',
  uuid_ns_oid: 'immutable',
  uuid_ns_x500: 'immutable',
  gen_random_uuid: 'volatile',
  gen_random_bytes: 'volatile',
  gen_salt: 'volatile',
  pgp_sym_encrypt: 'volatile',
  pgp_sym_encrypt_bytea: 'volatile',
  pgp_pub_encrypt: 'volatile',
  pgp_pub_encrypt_bytea: 'volatile',
  crypt: 'immutable',
  digest: 'immutable',
  hmac: 'immutable',
  armor: 'immutable',
  dearmor: 'immutable',
};

const BUILT_IN = new Map<string, Volatility>([
  ...IMMUTABLE.map((name) => [name, 'immutable'] as const),
  ...STABLE.map((name) => [name, 'stable'] as const),
  ...VOLATILE.map((name) => [name, 'volatile'] as const),
]);

const RANK: Record<Volatility, number> = { immutable: 0, stable: 1, volatile: 2 };

/**
 * The volatility of a PostgreSQL built-in (unqualified or `pg_catalog.`) or of a
 * uuid-ossp / pgcrypto function (any schema); undefined for anything else,
 * which only a catalog of the database could answer.
 */
export function volatilityOf(name: QualifiedName): Volatility | undefined {
  if (name.schema === undefined || name.schema === 'pg_catalog') {
    const builtIn = BUILT_IN.get(name.name);
    if (builtIn) return builtIn;
  }
  return EXTENSION_FUNCTIONS[name.name];
}

/** What an expression's volatility comes from. */
export interface ExpressionVolatility {
  volatility: Volatility;
  /**
   * The call that makes the expression that volatile, as written (`gen_random_uuid`,
   * `current_timestamp`); undefined when the expression is constant.
   */
  source?: string;
  /** The call is to a function this module does not know: its volatility is assumed, not known. */
  assumed: boolean;
}

/**
 * The volatility of an expression (a column DEFAULT, a generated column): that of
 * the most volatile function it calls. Constants and casts of constants are
 * immutable — a literal is converted once, when the statement runs, so
 * `'now'::timestamptz` is a constant. `current_timestamp` and the other SQL
 * value functions are stable. A function this module does not know counts as
 * volatile (`assumed`), since only the database's catalog can say otherwise.
 * Operators are not looked up: no built-in operator is volatile.
 *
 * A known volatile call outranks an assumed one, so a message can name a
 * certainty when there is one.
 */
export function expressionVolatility(expression: Node): ExpressionVolatility {
  let result: ExpressionVolatility = { volatility: 'immutable', assumed: false };
  const consider = (found: ExpressionVolatility): void => {
    const rank = (v: ExpressionVolatility): number => RANK[v.volatility] * 2 + (v.assumed ? 0 : 1);
    if (rank(found) > rank(result)) result = found;
  };
  visit(expression, (node) => {
    if ('FuncCall' in node) {
      const name = nameOfList(node.FuncCall.funcname);
      if (!name) return;
      const known = volatilityOf(name);
      const source = name.schema && name.schema !== 'pg_catalog' ? `${name.schema}.${name.name}` : name.name;
      consider({ volatility: known ?? 'volatile', source, assumed: known === undefined });
    } else if ('SQLValueFunction' in node) {
      consider({ volatility: 'stable', source: sqlValueFunctionName(node.SQLValueFunction.op), assumed: false });
    }
  });
  return result;
}

/** Calls `enter` on `root` and every node below it, in source order. */
function visit(root: Node, enter: (node: Node) => void): void {
  const stack: unknown[] = [root];
  // Children go on the stack last-first, so the first one written comes off first.
  const push = (values: unknown[]): void => {
    for (let i = values.length - 1; i >= 0; i--) stack.push(values[i]);
  };
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      push(value);
    } else if (isNode(value)) {
      enter(value);
      push(Object.values(value));
    } else if (value && typeof value === 'object') {
      // A node's fields, or a struct embedded without a node wrapper (a TypeCast's typeName, a FuncCall's window).
      push(Object.values(value));
    }
  }
}

/** A parse-tree node: `{ NodeType: { …fields } }`. */
function isNode(value: unknown): value is Node {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && /^[A-Z]/.test(keys[0]!);
}

function sqlValueFunctionName(op: string | undefined): string {
  // SVFOP_CURRENT_TIMESTAMP_N is CURRENT_TIMESTAMP(n).
  return (op ?? 'SVFOP_CURRENT_TIMESTAMP').replace(/^SVFOP_/, '').replace(/_N$/, '').toLowerCase();
}
