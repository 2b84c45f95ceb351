import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import { parseJsonFile } from '../lint/config.js';
import schema from '../../schema/pgtandem.fleet.schema.json' with { type: 'json' };

/** A target written out in the fleet file. */
export interface TargetEntry {
  name: string;
  url?: string;
  urlEnv?: string;
  schema?: string;
  labels?: string[];
}

/** Targets listed when the command runs: schemas or databases matching a glob, or rows of a query. */
export interface GeneratorEntry {
  schemas?: string;
  databases?: string;
  query?: string;
  exclude?: string[];
  namePrefix?: string;
  url?: string;
  urlEnv?: string;
  labels?: string[];
}

/** `label:canary`, `5%` or `20`: which targets a wave takes (cumulative). */
export type WaveSelector = { kind: 'label'; label: string } | { kind: 'percent'; percent: number } | { kind: 'count'; count: number };

/** A wave's failure budget: a count, or a percentage of the wave's targets (rounded up). */
export type FailureLimit = { count: number } | { percent: number };

export interface WaveSpec {
  /** The name for --wave (its 1-based number when the file names none). */
  name: string;
  /** As written, for messages. */
  select: string;
  selector: WaveSelector;
  maxFailures: FailureLimit;
}

/** A fleet file, checked against schema/pgtandem.fleet.schema.json; targets are not listed yet. */
export interface FleetSpec {
  path: string;
  /** Each entry with its place in the file (`targets[2]`), for messages. */
  entries: { at: string; entry: TargetEntry | GeneratorEntry }[];
  waves: WaveSpec[];
  concurrency: { total: number; perServer: number };
  searchPath: string[];
}

const DEFAULT_CONCURRENCY = 4;

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validators: { file: Validate; target: Validate; generator: Validate } | undefined;

/**
 * What is wrong with the file as its schema sees it, in one line, or
 * undefined. A target entry is checked against the kind it looks like (a
 * `name`: a target, else a generator), so the error is about that kind, not
 * about every branch of the schema's oneOf.
 */
function schemaProblem(raw: unknown): string | undefined {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(schema);
    const at = (pointer: string): Validate => ajv.getSchema(`${schema.$id}${pointer}`) as Validate;
    validators = { file: at(''), target: at('#/definitions/target'), generator: at('#/definitions/generator') };
  }
  const targets = (raw as { targets?: unknown } | null)?.targets;
  const entries = Array.isArray(targets) ? targets.map((entry, i) => [entry, `/targets/${i}`] as const) : [[targets, '/targets'] as const];
  for (const [entry, path] of entries) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const validate = 'name' in entry ? validators.target : validators.generator;
    if (!validate(entry)) return describeSchemaError((validate.errors ?? []).map((e) => ({ ...e, instancePath: `${path}${e.instancePath}` })));
  }
  if (validators.file(raw)) return undefined;
  return describeSchemaError(validators.file.errors ?? []);
}

/** Reads and checks a fleet file; a problem is one ConfigError naming the file and the place in it. */
export async function loadFleetFile(path: string, shownAs = path): Promise<FleetSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(shownAs, `cannot read the fleet file: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseFleetFile(shownAs, text);
}

/** Parses and checks fleet JSON (see loadFleetFile). */
export function parseFleetFile(file: string, text: string): FleetSpec {
  const raw = parseJsonFile(file, text);
  const problem = schemaProblem(raw);
  if (problem) throw new ConfigError(file, problem);
  const input = raw as { targets: unknown; waves?: (string | { name?: string; select: string; maxFailures?: number | string })[]; concurrency?: number | { total?: number; perServer?: number }; maxFailures?: number | string; searchPath?: string[] };

  const list = (Array.isArray(input.targets) ? input.targets : [input.targets]) as (TargetEntry | GeneratorEntry)[];
  const entries = list.map((entry, index) => ({ at: Array.isArray(input.targets) ? `targets[${index}]` : 'targets', entry }));
  const written = new Map<string, string>();
  for (const { at, entry } of entries) {
    if (!('name' in entry)) continue;
    const earlier = written.get(entry.name);
    if (earlier) throw new ConfigError(file, `${at}.name: duplicate target name "${entry.name}" (also ${earlier})`);
    written.set(entry.name, at);
  }

  const defaultLimit = failureLimit(file, 'maxFailures', input.maxFailures ?? 1);
  const waves = (input.waves ?? ['100%']).map((wave, index): WaveSpec => {
    const at = `waves[${index}]`;
    const select = typeof wave === 'string' ? wave : wave.select;
    return {
      name: typeof wave === 'string' || wave.name === undefined ? String(index + 1) : wave.name,
      select,
      selector: waveSelector(file, typeof wave === 'string' ? at : `${at}.select`, select),
      maxFailures: typeof wave === 'string' || wave.maxFailures === undefined ? defaultLimit : failureLimit(file, `${at}.maxFailures`, wave.maxFailures),
    };
  });
  const names = new Set<string>();
  for (const [index, wave] of waves.entries()) {
    if (names.has(wave.name)) throw new ConfigError(file, `waves[${index}].name: duplicate wave name "${wave.name}"`);
    names.add(wave.name);
  }
  const last = waves.at(-1)!.selector;
  if (!(last.kind === 'percent' && last.percent === 100)) {
    throw new ConfigError(file, `waves[${waves.length - 1}]: the last wave must reach every target ("100%"); "${waves.at(-1)!.select}" would leave targets in no wave`);
  }
  const concurrency = typeof input.concurrency === 'number' ? { total: input.concurrency } : (input.concurrency ?? {});
  const total = concurrency.total ?? DEFAULT_CONCURRENCY;
  return {
    path: file,
    entries,
    waves,
    concurrency: { total, perServer: Math.min(total, concurrency.perServer ?? total) },
    searchPath: input.searchPath ?? [],
  };
}

function waveSelector(file: string, at: string, text: string): WaveSelector {
  if (text.startsWith('label:')) return { kind: 'label', label: text.slice('label:'.length) };
  if (text.endsWith('%')) {
    const percent = Number(text.slice(0, -1));
    if (!(percent > 0 && percent <= 100)) throw new ConfigError(file, `${at}: a percentage wave takes more than 0% and at most 100%, got "${text}"`);
    return { kind: 'percent', percent };
  }
  return { kind: 'count', count: Number(text) };
}

function failureLimit(file: string, at: string, value: number | string): FailureLimit {
  if (typeof value === 'number') return { count: value };
  const percent = Number(value.slice(0, -1));
  if (!(percent > 0 && percent <= 100)) throw new ConfigError(file, `${at}: a percentage of the wave, more than 0% and at most 100%, got "${value}"`);
  return { percent };
}

/**
 * The one error worth a line out of Ajv's list (a oneOf fails every branch):
 * the deepest place in the file, and there the most telling keyword.
 */
function describeSchemaError(all: readonly ErrorObject[]): string {
  // oneOf's own error says nothing; a type error of one branch is noise where another branch took the value's type.
  const errors = all.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && all.some((o) => o.instancePath === e.instancePath && o.keyword !== 'type' && o.keyword !== 'oneOf')));
  const rank = (e: ErrorObject): number => ['additionalProperties', 'pattern', 'type', 'minimum', 'maxLength', 'minLength', 'minItems', 'required'].indexOf(e.keyword) >>> 0;
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length;
  // Two of a kind where the schema wants one: its oneOf fails with no error of its own worth showing.
  for (const oneOf of all.filter((e) => e.keyword === 'oneOf')) {
    const data = oneOf.data as Record<string, unknown> | undefined;
    if (typeof data !== 'object' || data === null) continue;
    const where = jsonPath(oneOf.instancePath) ? `${jsonPath(oneOf.instancePath)}: ` : '';
    if ('url' in data && 'urlEnv' in data) return `${where}url and urlEnv both given: keep one (urlEnv keeps the password out of the file)`;
    if (['schemas', 'databases', 'query'].filter((k) => k in data).length > 1) return `${where}schemas, databases and query are different generators: give one per entry`;
  }
  const best = [...errors].sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b))[0];
  if (!best) {
    const path = jsonPath(all[0]?.instancePath ?? '');
    return `${path ? `${path}: ` : ''}does not match the fleet file's schema (schema/pgtandem.fleet.schema.json)`;
  }
  const path = jsonPath(best.instancePath);
  const where = path ? `${path}: ` : '';
  switch (best.keyword) {
    case 'additionalProperties':
      return `${where}unknown setting "${(best.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required': {
      const missing = (best.params as { missingProperty: string }).missingProperty;
      if (missing === 'url' || missing === 'urlEnv') return `${where}needs url or urlEnv (the environment variable holding the connection string)`;
      if (missing === 'schemas' || missing === 'databases' || missing === 'query') return `${where}a target needs a name; a generator one of schemas, databases or query`;
      return `${where}missing "${missing}"`;
    }
    case 'pattern':
      return `${where}${describePattern(path, best.data)}`;
    default:
      return `${where}${best.message ?? 'does not match its schema'}${best.data !== undefined && typeof best.data !== 'object' ? `, got ${JSON.stringify(best.data)}` : ''}`;
  }
}

function describePattern(path: string, data: unknown): string {
  const got = JSON.stringify(data);
  if (/waves\[\d+\](\.select)?$/.test(path)) return `a wave selects "label:<label>", "<n>%" or "<n>", got ${got}`;
  if (path.endsWith('maxFailures')) return `a count or a percentage such as "10%", got ${got}`;
  if (path.endsWith('urlEnv')) return `an environment variable name, got ${got}`;
  if (path.endsWith('.name') && /^waves/.test(path)) return `a wave name starts with a letter (letters, digits, _ . -), got ${got}`;
  return `letters, digits, _ . - only, got ${got}`;
}

/** `/targets/3/url` as `targets[3].url`. */
function jsonPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}
