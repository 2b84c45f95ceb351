/**
 * What `ALTER COLUMN … TYPE` costs when the old type is known, both types in
 * `format_type()` form. Measured on PostgreSQL 18 (relfilenodes of the table
 * and its index before and after):
 * - `none`: no rewrite and the indexes are kept — varchar(n) → varchar(m ≥ n),
 *   varchar → text and back to unconstrained varchar, numeric(p,s) →
 *   numeric(q ≥ p, s) or numeric, cidr → inet, bit varying widened, a time or
 *   timestamp precision raised or dropped;
 * - `indexes-only`: timestamp ↔ timestamptz with the session TimeZone UTC on
 *   PostgreSQL 12+: no rewrite, but the column's indexes are rebuilt;
 * - `rewrite`: everything else (char(n) → text included: bpchar's cast to
 *   text trims, so it rewrites).
 */
export type TypeChangeCost = 'none' | 'indexes-only' | 'rewrite';

export interface TypeChangeSession {
  pgVersion: number;
  /** The session's TimeZone setting, when the file sets it. */
  timeZone: string | undefined;
  /** A USING expression or a new COLLATE: the statement no longer proves a plain binary-compatible change. */
  converts: boolean;
}

interface ParsedType {
  base: string;
  modifiers: number[];
  array: boolean;
}

function parse(type: string): ParsedType {
  const array = type.endsWith('[]');
  const bare = array ? type.slice(0, -2) : type;
  const match = /^(.*?)\((\d+)(?:,(\d+))?\)(.*)$/.exec(bare);
  if (!match) return { base: bare, modifiers: [], array };
  const modifiers = [Number(match[2])];
  if (match[3] !== undefined) modifiers.push(Number(match[3]));
  // `timestamp(3) without time zone`: the precision sits inside the name.
  return { base: `${match[1]}${match[4]}`, modifiers, array };
}

const PRECISION_TYPES = new Set(['timestamp without time zone', 'timestamp with time zone', 'time without time zone', 'time with time zone', 'interval']);
const LENGTH_TYPES = new Set(['character varying', 'bit varying']);
const TIMESTAMPS = new Set(['timestamp without time zone', 'timestamp with time zone']);

/** `m` accepts every value `n` does: no limit, or a limit at least as large. */
const widens = (n: number | undefined, m: number | undefined): boolean => m === undefined || (n !== undefined && m >= n);

export function typeChangeCost(from: string, to: string, session: TypeChangeSession): TypeChangeCost {
  if (session.converts) return 'rewrite';
  if (from === to) return 'none';
  const a = parse(from);
  const b = parse(to);
  if (a.array || b.array) return 'rewrite';
  if (a.base === b.base) {
    if (LENGTH_TYPES.has(a.base) || PRECISION_TYPES.has(a.base)) return widens(a.modifiers[0], b.modifiers[0]) ? 'none' : 'rewrite';
    if (a.base === 'numeric') {
      if (b.modifiers.length === 0) return 'none';
      return a.modifiers.length > 0 && a.modifiers[1] === b.modifiers[1] && widens(a.modifiers[0], b.modifiers[0]) ? 'none' : 'rewrite';
    }
    return 'rewrite';
  }
  if (a.base === 'character varying' && b.base === 'text') return 'none';
  if (a.base === 'text' && b.base === 'character varying' && b.modifiers.length === 0) return 'none';
  if (a.base === 'cidr' && b.base === 'inet') return 'none';
  if (TIMESTAMPS.has(a.base) && TIMESTAMPS.has(b.base) && widens(a.modifiers[0], b.modifiers[0])) {
    return session.pgVersion >= 12 && isUtc(session.timeZone) ? 'indexes-only' : 'rewrite';
  }
  return 'rewrite';
}

/** Zones whose UTC offset is always zero: PostgreSQL then converts timestamp ↔ timestamptz without a rewrite. */
export function isUtc(zone: string | undefined): boolean {
  return zone !== undefined && /^'?(utc|gmt|z|zulu|universal|etc\/(utc|gmt|universal|zulu))'?$/i.test(zone.trim());
}
