import { beforeAll, describe, expect, it } from 'vitest';
import { inlineParameters } from '../../src/sql/inline-parameters.js';
import { loadParser } from '../../src/sql/pg-parser.js';

beforeAll(async () => loadParser());

// A TypeScript migration's queries are linted with their bound values written in as literals.
describe('inlineParameters', () => {
  it.each([
    ['strings are quoted, quotes doubled', 'update "users" set "name" = $1 where "id" = $2', ["O'Brien", 3], `update "users" set "name" = 'O''Brien' where "id" = 3`],
    ['SET gets a value it can parse', 'SET lock_timeout = $1', ['2s'], "SET lock_timeout = '2s'"],
    ['negative numbers cannot start a comment', 'select "a" - $1', [-1], 'select "a" - (-1)'],
    ['null, booleans, bigints', 'insert into t values ($1, $2, $3)', [null, true, 12n], 'insert into t values (NULL, true, 12)'],
    ['dates as ISO text', 'select $1', [new Date('2026-01-02T03:04:05.000Z')], "select '2026-01-02T03:04:05.000Z'"],
    ['bytes as bytea hex', 'select $1', [Buffer.from([1, 255])], "select '\\x01ff'"],
    ['arrays and objects as JSON text', 'select $1, $2', [[1, 2], { a: 'b' }], `select '[1,2]', '{"a":"b"}'`],
    ['$10 is not $1 followed by 0', 'select $1, $10', Array.from({ length: 10 }, (_, i) => i + 1), 'select 1, 10'],
    ['placeholders in literals, identifiers and comments stay', `select '$1', "$1", $1 -- $1\n/* $1 */`, ['x'], `select '$1', "$1", 'x' -- $1\n/* $1 */`],
    ['a function body keeps its own $1', 'create function f(int) returns int language sql as $$ select $1 $$; select $1', [5], 'create function f(int) returns int language sql as $$ select $1 $$; select 5'],
    ['tagged dollar quotes', 'do $body$ begin perform $1; end $body$; select $1', [7], 'do $body$ begin perform $1; end $body$; select 7'],
    ["E'' strings escape quotes with a backslash", "select E'it\\'s $1', $1", [2], "select E'it\\'s $1', 2"],
    ['a number beyond the values given stays', 'select $2', ['x'], 'select $2'],
    ['no values: the text as it is', 'select $1', [], 'select $1'],
  ])('%s', (_title, sql, parameters, expected) => {
    expect(inlineParameters(sql, parameters)).toBe(expected);
  });
});
