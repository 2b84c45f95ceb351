import type { SeedColumn } from './seed-catalog.js';

/**
 * The SQL of a column's synthetic value for row `k` (a bigint SQL expression,
 * distinct per row, so values are distinct where the type allows and unique
 * keys hold), cast to the column's type (a domain's CHECK is checked by that
 * cast). Deterministic: the same `k` gives the same value. Undefined for
 * types it has no generator for (composites, multiranges, geometry, xml…).
 */
export function valueExpression(column: SeedColumn, k: string): string | undefined {
  const raw = baseValue(column, k);
  return raw === undefined ? undefined : `(${raw})::${column.type}`;
}

function baseValue(column: SeedColumn, k: string): string | undefined {
  const { name, typtype, category, typmod, format } = column.base;
  if (typtype === 'e') return `(enum_range(NULL::${format}))[((${k} - 1) % coalesce(array_length(enum_range(NULL::${format}), 1), 1) + 1)::int]`;
  if (category === 'A') return `'{}'`;
  if (category === 'S') return textValue(column, k);
  switch (name) {
    case 'int2':
      return `${k} % 32767`;
    case 'int4':
    case 'int8':
    case 'oid':
      return k;
    case 'numeric':
      return numericValue(typmod, k);
    case 'float4':
    case 'float8':
      return `${k} * 1.5`;
    case 'money':
      return `${k}::numeric`;
    case 'bool':
      return `${k} % 2 = 0`;
    case 'uuid':
      return `md5(${k}::text)::uuid`;
    case 'date':
      return `date '2024-01-01' + (${k} % 2000000)::int`;
    case 'timestamp':
      return `timestamp '2024-01-01' + ${k} * interval '1 minute'`;
    case 'timestamptz':
      return `timestamptz '2024-01-01 00:00:00+00' + ${k} * interval '1 minute'`;
    case 'time':
    case 'timetz':
      return `time '00:00' + (${k} % 86400) * interval '1 second'`;
    case 'interval':
      return `${k} * interval '1 second'`;
    case 'json':
      return `json_build_object('seed', ${k})`;
    case 'jsonb':
      return `jsonb_build_object('seed', ${k})`;
    case 'bytea':
      return `convert_to(${k}::text, 'UTF8')`;
    case 'inet':
      return `'10.0.0.0'::inet + ${k} % 16777216`;
    case 'cidr':
      return `('10.0.0.0'::inet + ${k} % 16777216)::cidr`;
    case 'macaddr':
      return `lpad(to_hex(${k} % 281474976710656), 12, '0')::macaddr`;
    // Ranges one step wide, adjacent, never overlapping: exclusion constraints over them hold.
    case 'int4range':
      return `int4range((${k} % 2147483647)::int, (${k} % 2147483647)::int + 1)`;
    case 'int8range':
    case 'numrange':
      return `${name}(${k}, ${k} + 1)`;
    case 'daterange':
      return `daterange(date '2024-01-01' + (${k} % 2000000)::int, date '2024-01-02' + (${k} % 2000000)::int)`;
    case 'tsrange':
    case 'tstzrange':
      return `${name}('2024-01-01 00:00:00+00'::${name === 'tsrange' ? 'timestamp' : 'timestamptz'} + ${k} * interval '1 minute', '2024-01-01 00:01:00+00'::${name === 'tsrange' ? 'timestamp' : 'timestamptz'} + ${k} * interval '1 minute')`;
    case 'tsvector':
      return `to_tsvector('simple', 'seed' || ${k})`;
    default:
      return undefined;
  }
}

/** `name-<k>` (distinct per row), or just `<k>` when the name does not fit the length limit; the cast truncates to it. */
function textValue(column: SeedColumn, k: string): string {
  const { name, typmod } = column.base;
  // varchar(n) and char(n) keep n + 4 in typmod; text and unlimited varchar have -1; "char" holds one byte.
  const limit = name === 'char' ? 1 : typmod >= 4 ? typmod - 4 : undefined;
  if (limit !== undefined && limit < column.name.length + 8) return `${k}::text`;
  return `${literal(`${column.name}-`)} || ${k}`;
}

/** numeric(p, s) holds p - s digits before the point: wrap around within them. */
function numericValue(typmod: number, k: string): string {
  if (typmod < 4) return k;
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0xffff;
  const digits = precision - scale;
  if (digits <= 0) return '0';
  return digits >= 18 ? k : `${k} % ${10n ** BigInt(digits)}`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
