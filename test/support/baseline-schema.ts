import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { expect } from 'vitest';

const schema = JSON.parse(readFileSync(new URL('../../schema/baseline-output.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strictRequired: false }).compile(schema);

/** Fails the test when `pgtandem baseline --format json` printed a document schema/baseline-output.schema.json rejects. */
export function expectBaselineDocument(document: unknown): void {
  validate(document);
  expect(validate.errors ?? []).toEqual([]);
}
