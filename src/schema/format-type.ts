import type { Node, TypeName } from '@pgsql/types';
import { quoteIdent, stringValue } from '../sql/names.js';

/** A column type resolved to what the catalog stores. */
export interface ResolvedType {
  /** As PostgreSQL's `format_type()` prints it: `integer`, `character varying(20)`, `timestamp with time zone`, `text[]`. */
  text: string;
  /** `serial` and friends: the column also gets a sequence, its default and NOT NULL. */
  serial: boolean;
}

/** How a user type's schema is found: the enum types the catalog knows, by unqualified name through search_path. */
export type TypeSchemaLookup = (name: string) => string | undefined;

const SERIALS: Record<string, string> = {
  smallserial: 'smallint',
  serial2: 'smallint',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
};

// Built-in names (as the parser or the user spells them) → format_type's name, for types without modifiers.
const NAMES: Record<string, string> = {
  int2: 'smallint',
  smallint: 'smallint',
  int4: 'integer',
  int: 'integer',
  integer: 'integer',
  int8: 'bigint',
  bigint: 'bigint',
  float4: 'real',
  real: 'real',
  float8: 'double precision',
  bool: 'boolean',
  boolean: 'boolean',
  decimal: 'numeric',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  varbit: 'bit varying',
  varchar: 'character varying',
  bpchar: 'character',
};

/** Types that `format_type` prints with a precision before the time zone words: `timestamp(3) without time zone`. */
const ZONED: Record<string, [string, string]> = {
  timestamp: ['timestamp', ' without time zone'],
  timestamptz: ['timestamp', ' with time zone'],
  time: ['time', ' without time zone'],
  timetz: ['time', ' with time zone'],
};

/**
 * A parse-tree type as `format_type()` prints it for a reader whose
 * search_path is the default (`"$user", public`): built-in types by their SQL
 * names, user types unqualified when they live in `public`, `schema.name`
 * otherwise. An unqualified user type takes the schema `lookup` finds (the
 * catalog's enums through the statement's search_path); a type the catalog
 * does not know (an extension's `citext`, `geometry`) stays as written.
 * Interval field restrictions (`interval day to second`) are not modelled:
 * such a column reads as `interval` (plus its precision).
 */
export function formatType(typeName: TypeName, lookup: TypeSchemaLookup = () => undefined): ResolvedType {
  const parts = (typeName.names ?? []).map(stringValue).filter((p): p is string => p !== undefined);
  const name = parts[parts.length - 1] ?? '';
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  const modifiers = (typeName.typmods ?? []).map(modifierValue);
  const array = (typeName.arrayBounds ?? []).length > 0 ? '[]' : '';
  const builtin = schema === undefined || schema === 'pg_catalog';

  if (builtin && schema === undefined && SERIALS[name] && modifiers.length === 0) {
    return { text: SERIALS[name] + array, serial: true };
  }
  if (!builtin || (schema === undefined && lookup(name) !== undefined)) {
    const owner = schema ?? lookup(name);
    const qualified = owner && owner !== 'public' ? `${quoteIdent(owner)}.${quoteIdent(name)}` : quoteIdent(name);
    return { text: qualified + withModifiers(modifiers) + array, serial: false };
  }
  return { text: builtinText(name, modifiers) + array, serial: false };
}

function builtinText(name: string, modifiers: (number | string)[]): string {
  const zoned = ZONED[name];
  if (zoned) return `${zoned[0]}${withModifiers(modifiers)}${zoned[1]}`;
  if (name === 'numeric' || name === 'decimal') {
    if (modifiers.length === 0) return 'numeric';
    return `numeric(${modifiers[0]},${modifiers[1] ?? 0})`;
  }
  if (name === 'interval') return `interval${modifiers.length > 1 ? `(${modifiers[1]})` : ''}`;
  // The parser spells `char` as pg_catalog.bpchar; a bare `char` name is the quoted single-byte "char" type.
  if (name === 'char') return '"char"';
  if (name === 'bpchar' && modifiers.length === 0) return 'bpchar';
  if (name === 'bit' && modifiers.length === 0) return 'bit(1)';
  return (NAMES[name] ?? quoteIdent(name)) + withModifiers(modifiers);
}

function withModifiers(modifiers: (number | string)[]): string {
  return modifiers.length > 0 ? `(${modifiers.join(',')})` : '';
}

function modifierValue(node: Node): number | string {
  if ('A_Const' in node) return node.A_Const.ival?.ival ?? node.A_Const.sval?.sval ?? 0;
  return 0;
}
