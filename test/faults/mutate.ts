/**
 * Seeded mutations of real migration files, for the linter's bad-input suite.
 * Every mutant is reproducible from (seed, index): a failure names both.
 */

/** mulberry32: small, fast, good enough to spread mutations. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Mutant {
  kind: string;
  bytes: Buffer;
}

type Mutation = (source: Buffer, other: Buffer, next: () => number) => Buffer;

const int = (next: () => number, below: number): number => Math.floor(next() * Math.max(1, below));

const MUTATIONS: Record<string, Mutation> = {
  // A few bits wrong anywhere: broken keywords, stray quotes, invalid UTF-8.
  'byte-flips': (source, _other, next) => {
    const bytes = Buffer.from(source);
    const flips = 1 + int(next, 8);
    for (let i = 0; i < flips && bytes.length > 0; i++) bytes[int(next, bytes.length)]! ^= 1 << int(next, 8);
    return bytes;
  },
  // A file cut short mid-statement, mid-string, mid-dollar-quote, mid-character.
  truncation: (source, _other, next) => source.subarray(0, int(next, source.length)),
  // The head of one migration glued to the tail of another.
  splice: (source, other, next) => Buffer.concat([source.subarray(0, int(next, source.length)), other.subarray(int(next, other.length))]),
  // Bytes that are never valid UTF-8, and NUL, dropped into the text.
  'invalid-utf8': (source, _other, next) => {
    const at = int(next, source.length);
    const junk = [Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x00]), Buffer.from([0xf4, 0x90, 0x80, 0x80])][int(next, 5)]!;
    return Buffer.concat([source.subarray(0, at), junk, source.subarray(at)]);
  },
  // A name far past NAMEDATALEN, quoted or not, where an identifier stands.
  'huge-identifier': (source, _other, next) => {
    const at = int(next, source.length);
    const name = 'x'.repeat(1_000 + int(next, 100_000));
    const ident = next() < 0.5 ? name : `"${name}"`;
    return Buffer.concat([source.subarray(0, at), Buffer.from(` ${ident} `), source.subarray(at)]);
  },
  // Expressions nested past the parser's stack depth, balanced or not.
  'deep-nesting': (source, _other, next) => {
    const depth = 500 + int(next, 30_000);
    const balanced = next() < 0.7;
    const expression = `SELECT ${'('.repeat(depth)}1${balanced ? ')'.repeat(depth) : ''};\n`;
    const at = int(next, source.length);
    return Buffer.concat([source.subarray(0, at), Buffer.from(expression), source.subarray(at)]);
  },
  // A range dropped or repeated: statements lose their ends or come twice.
  'range-edit': (source, _other, next) => {
    const from = int(next, source.length);
    const to = from + int(next, Math.min(400, source.length - from));
    return next() < 0.5 ? Buffer.concat([source.subarray(0, from), source.subarray(to)]) : Buffer.concat([source.subarray(0, to), source.subarray(from, to), source.subarray(to)]);
  },
  // Markers, directives and quote openers where they do not belong.
  'token-insert': (source, _other, next) => {
    const tokens = ['-- pgtandem:expand\n', '-- pgtandem:contrat\n', '-- pgtandem-ignore\n', '-- pgtandem-ignore-file ban-drop-column:\n', '$$', "'", '"', '/*', '*/', 'BEGIN;', 'COMMIT;', ';', 'DO $x$ BEGIN', '\r', '\t', '{{ .Schema }}', '${flyway:user}', '-- +goose StatementBegin\n', '-- migrate:up\n', '--> statement-breakpoint\n'];
    const at = int(next, source.length);
    return Buffer.concat([source.subarray(0, at), Buffer.from(tokens[int(next, tokens.length)]!), source.subarray(at)]);
  },
};

export const MUTATION_KINDS = Object.keys(MUTATIONS);

/** The `index`-th mutant of a run: a mutation kind, applied to `source` (and `other` for splices). */
export function mutate(source: Buffer, other: Buffer, seed: number, index: number): Mutant {
  const next = random(seed * 1_000_003 + index);
  const kind = MUTATION_KINDS[index % MUTATION_KINDS.length]!;
  const times = 1 + int(next, 2);
  let bytes = source;
  for (let i = 0; i < times; i++) bytes = MUTATIONS[kind]!(bytes, other, next);
  return { kind, bytes };
}
