import type { Fixer } from '../fixer.js';
import { concurrently } from './concurrently.js';
import { jsonb } from './jsonb.js';
import { notValid } from './not-valid.js';
import { recipes } from './recipes.js';
import { robustStatements } from './robust-statements.js';
import { timeouts } from './timeouts.js';
import { uniqueUsingIndex } from './unique-using-index.js';

/** Every mechanical fix, by the rule whose findings it fixes. */
export const FIXERS: ReadonlyMap<string, Fixer> = new Map(
  [concurrently, notValid, timeouts, robustStatements, jsonb, uniqueUsingIndex, recipes].flatMap((fixer) => fixer.rules.map((rule) => [rule, fixer] as const)),
);
