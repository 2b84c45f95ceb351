import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog, type ColumnInfo, type ConstraintInfo, type IndexInfo, type TableInfo } from '../../src/schema/catalog.js';
import { compareCatalogs } from '../../src/schema/compare-catalogs.js';
import { normalizeExpression, sameExpression } from '../../src/schema/normalize-expression.js';
import { loadParser } from '../../src/sql/pg-parser.js';

beforeAll(async () => loadParser());

describe('normalizeExpression: what PostgreSQL adds to an expression does not count', () => {
  const cases: [written: string, server: string][] = [
    ["'pending'", "'pending'::text"],
    ["'x'", "'x'::character varying"],
    ['-1', "'-1'::integer"],
    ['1.5', '1.5'],
    ["'{}'", "'{}'::text[]"],
    ["'{}'::jsonb", "'{}'::jsonb"],
    ['NOW()', 'now()'],
    ['CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP'],
    ["nextval('users_id_seq'::regclass)", "nextval('public.users_id_seq'::regclass)"],
    ["nextval('users_id_seq')", "nextval('public.users_id_seq'::regclass)"],
    ["nextval('public.users_id_seq')", "nextval('users_id_seq'::regclass)"],
    [`nextval('"Quoted_id_seq"')`, `nextval('public."Quoted_id_seq"'::regclass)`],
    ['uuid_generate_v4()', 'public.uuid_generate_v4()'],
    ['extensions.uuid_generate_v4()', 'public.uuid_generate_v4()'],
    ["timezone('utc', now())", "timezone('utc'::text, now())"],
    ["(now() at time zone 'utc')", "(now() AT TIME ZONE 'utc'::text)"],
    ['lower(email)', 'lower((email)::text)'],
    ["'ok'::mood", "'ok'::public.mood"],
    ["'2020-01-01'::timestamp", "'2020-01-01'::timestamp without time zone"],
    ["ARRAY[]::text[]", 'ARRAY[]::text[]'],
    ['"Upper"', '"Upper"'],
    ['"lower"', 'lower'],
    ["CAST(value ->> 'deleted' AS bool)", "((value ->> 'deleted'::text))::boolean"],
    ["cast(cast(x as text) as varchar(3))", '((x)::text)::character varying(3)'],
    // text rebuilt from tokens, one space between each
    ['ARRAY [ ] : : TEXT [ ]', 'ARRAY[]::text[]'],
    ["value - > > 'x'", "(value ->> 'x'::text)"],
  ];
  it.each(cases)('%s ≡ %s', (written, server) => {
    expect(normalizeExpression(written)).toBe(normalizeExpression(server));
  });

  const different: [string, string][] = [
    ["'Pending'", "'pending'::text"],
    ['now()', 'clock_timestamp()'],
    ["'a b'", "'a  b'::text"],
    ['"Upper"', 'upper'],
    ['(a) + (b)', 'a + b + c'],
    ['1', '2'],
    ["'cast(a as b)'", "'a'"],
  ];
  it.each(different)('%s ≢ %s', (a, b) => {
    expect(normalizeExpression(a)).not.toBe(normalizeExpression(b));
  });

  it('keeps string literals as they are and lower-cases the rest', () => {
    expect(normalizeExpression("COALESCE(Name, 'Anonymous'::TEXT)")).toBe("coalesce(name,'Anonymous')");
  });
});

describe('sameExpression: parse trees, without the parentheses and spellings PostgreSQL adds', () => {
  const same: [written: string, server: string][] = [
    ["fulltext_index(coalesce(value ->> 'a', '')) || fulltext_index(value ->> 'b') || ' '", "((fulltext_index(COALESCE((value ->> 'a'::text), ''::text)) || fulltext_index((value ->> 'b'::text))) || ' '::text)"],
    ["value -> 'w' ->> 'id'", "((value -> 'w'::text) ->> 'id'::text)"],
    ["value #>> '{state, current}'", "(value #>> '{state,current}'::text[])"],
    ['amount * 2', '(amount * (2)::numeric)'],
    ["EXTRACT(MILLISECONDS FROM d)", 'EXTRACT(milliseconds FROM d)'],
    ['public.f(x)', 'f(x)'],
  ];
  it.each(same)('%s ≡ %s', (a, b) => expect(sameExpression(a, b)).toBe(true));

  const different: [string, string][] = [
    ['a * (b + c)', '(a * b) + c'],
    ["value ->> 'a'", "value ->> 'b'"],
    ['f(x)', 'g(x)'],
  ];
  it.each(different)('%s ≢ %s', (a, b) => expect(sameExpression(a, b)).toBe(false));
});

const column = (name: string, type = 'integer', extra: Partial<ColumnInfo> = {}): ColumnInfo => ({ name, type, notNull: false, ...extra });

function table(name: string, columns: ColumnInfo[], constraints: ConstraintInfo[] = [], extra: Partial<TableInfo> = {}): TableInfo {
  return { schema: 'public', name, kind: 'table', columns, constraints, ...extra };
}

function index(name: string, tableName: string, columns: string[], extra: Partial<IndexInfo> = {}): IndexInfo {
  return { schema: 'public', name, table: { schema: 'public', name: tableName }, unique: false, primary: false, valid: true, columns, partial: false, method: 'btree', ...extra };
}

function catalogOf(tables: TableInfo[], indexes: IndexInfo[] = []): Catalog {
  const catalog = new Catalog();
  for (const t of tables) catalog.tables.set(`${t.schema}.${t.name}`, t);
  for (const i of indexes) catalog.indexes.set(`${i.schema}.${i.name}`, i);
  return catalog;
}

const users = () =>
  table(
    'users',
    [
      column('id', 'bigint', { notNull: true, identity: 'always' }),
      column('email', 'text', { notNull: true }),
      column('status', 'text', { notNull: true, default: "'new'::text", defaultVolatile: false }),
    ],
    [
      { name: 'users_pkey', kind: 'primary key', columns: ['id'], validated: true, index: 'users_pkey' },
      { name: 'users_email_check', kind: 'check', columns: ['email'], validated: false, expression: '(email IS NOT NULL)', isNotNullCheckOf: 'email' },
    ],
  );
const usersIndexes = () => [index('users_pkey', 'users', ['id'], { unique: true, primary: true }), index('users_lower_email', 'users', ['(lower(email))'])];

describe('compareCatalogs', () => {
  it('finds identical catalogs equal: every object matched', () => {
    const result = compareCatalogs(catalogOf([users()], usersIndexes()), catalogOf([users()], usersIndexes()));
    // public schema, the table, 3 columns, 2 constraints, 2 indexes
    expect(result).toEqual({ items: 9, matched: 9, match: 1, differences: [] });
  });

  it('compares defaults after normalization, so the server\'s casts are no difference', () => {
    const replayed = users();
    replayed.columns[2]!.default = "'new'";
    replayed.columns[2]!.defaultVolatile = undefined;
    expect(compareCatalogs(catalogOf([replayed]), catalogOf([users()])).differences).toEqual([]);
  });

  it('takes DEFAULT NULL, which PostgreSQL stores as NULL::type, for no default', () => {
    const replayed = users();
    const read = users();
    read.columns[1]!.default = 'NULL::text';
    read.columns[1]!.defaultVolatile = false;
    expect(compareCatalogs(catalogOf([replayed]), catalogOf([read])).differences).toEqual([]);
  });

  type Mutation = { what: string; change: (t: TableInfo, i: IndexInfo[]) => void; differences: { kind: string; name: string; field: string; expected: unknown; actual: unknown }[] };
  const mutations: Mutation[] = [
    {
      what: 'a column type',
      change: (t) => void (t.columns[1]!.type = 'character varying(20)'),
      differences: [{ kind: 'column', name: 'public.users.email', field: 'type', expected: 'text', actual: 'character varying(20)' }],
    },
    {
      what: 'nullability',
      change: (t) => void (t.columns[1]!.notNull = false),
      differences: [{ kind: 'column', name: 'public.users.email', field: 'notNull', expected: true, actual: false }],
    },
    {
      what: 'a default dropped',
      change: (t) => void delete t.columns[2]!.default,
      differences: [{ kind: 'column', name: 'public.users.status', field: 'default', expected: "'new'", actual: undefined }],
    },
    {
      what: 'a default value',
      change: (t) => void (t.columns[2]!.default = "'old'::text"),
      differences: [{ kind: 'column', name: 'public.users.status', field: 'default', expected: "'new'", actual: "'old'" }],
    },
    {
      what: 'default volatility',
      change: (t) => void (t.columns[2]!.defaultVolatile = true),
      differences: [{ kind: 'column', name: 'public.users.status', field: 'defaultVolatile', expected: false, actual: true }],
    },
    {
      what: 'identity',
      change: (t) => void (t.columns[0]!.identity = 'by default'),
      differences: [{ kind: 'column', name: 'public.users.id', field: 'identity', expected: 'always', actual: 'by default' }],
    },
    {
      what: 'a missing column',
      change: (t) => void t.columns.pop(),
      differences: [{ kind: 'column', name: 'public.users.status', field: 'exists', expected: true, actual: false }],
    },
    {
      what: 'column order',
      change: (t) => void t.columns.reverse(),
      differences: [{ kind: 'table', name: 'public.users', field: 'column order', expected: ['id', 'email', 'status'], actual: ['status', 'email', 'id'] }],
    },
    {
      what: 'constraint validity',
      change: (t) => void (t.constraints[1]!.validated = true),
      differences: [{ kind: 'constraint', name: 'public.users.users_email_check', field: 'validated', expected: false, actual: true }],
    },
    {
      what: 'a constraint named differently',
      change: (t) => void (t.constraints[1]!.name = 'users_email_check1'),
      differences: [{ kind: 'constraint', name: 'public.users.users_email_check', field: 'name', expected: 'users_email_check', actual: 'users_email_check1' }],
    },
    {
      what: 'a missing constraint',
      change: (t) => void t.constraints.pop(),
      differences: [{ kind: 'constraint', name: 'public.users.users_email_check', field: 'exists', expected: true, actual: false }],
    },
    {
      what: 'an invalid index',
      change: (_t, i) => void (i[1]!.valid = false),
      differences: [{ kind: 'index', name: 'public.users_lower_email', field: 'valid', expected: true, actual: false }],
    },
    {
      what: 'index columns',
      change: (_t, i) => void (i[1]!.columns = ['email']),
      differences: [{ kind: 'index', name: 'public.users_lower_email', field: 'columns', expected: ['lower(email)'], actual: ['email'] }],
    },
    {
      what: 'an index named differently',
      change: (_t, i) => void (i[1]!.name = 'users_lower_idx'),
      differences: [{ kind: 'index', name: 'public.users_lower_email', field: 'name', expected: 'users_lower_email', actual: 'users_lower_idx' }],
    },
  ];
  it.each(mutations)('reports $what, and the object no longer matches', ({ change, differences }) => {
    const actualTable = users();
    const actualIndexes = usersIndexes();
    change(actualTable, actualIndexes);
    const result = compareCatalogs(catalogOf([users()], usersIndexes()), catalogOf([actualTable], actualIndexes));
    expect(result.differences).toEqual(differences);
    // The union of both sides is still 9 objects; the changed one no longer matches.
    expect(result.items).toBe(9);
    expect(result.matched).toBe(8);
  });

  it('counts a missing table with its columns and constraints, and reports it once', () => {
    const result = compareCatalogs(catalogOf([users()]), catalogOf([]));
    expect(result.differences).toEqual([{ kind: 'table', name: 'public.users', field: 'exists', expected: true, actual: false }]);
    expect(result).toMatchObject({ items: 7, matched: 1 });
  });

  it('compares enums, views and sequences', () => {
    const expected = new Catalog();
    const actual = new Catalog();
    expected.enums.set('public.mood', { schema: 'public', name: 'mood', values: ['sad', 'ok'] });
    actual.enums.set('public.mood', { schema: 'public', name: 'mood', values: ['ok', 'sad'] });
    const users = { schema: 'public', name: 'users' };
    expected.views.set('public.v', { schema: 'public', name: 'v', materialized: false, dependsOn: [{ table: users, columns: ['id'] }] });
    actual.views.set('public.v', { schema: 'public', name: 'v', materialized: false, dependsOn: [{ table: users, columns: ['id', 'email'] }] });
    expected.sequences.set('public.s', { schema: 'public', name: 's', ownedBy: { table: users, column: 'id' } });
    actual.sequences.set('public.s', { schema: 'public', name: 's' });
    expect(compareCatalogs(expected, actual).differences.map((d) => `${d.kind} ${d.name} ${d.field}`)).toEqual([
      'enum public.mood values',
      'view public.v dependsOn public.users columns',
      'sequence public.s ownedBy',
    ]);
  });
});
