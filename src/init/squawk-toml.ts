import { ConfigError } from '../errors.js';
import { parsePgVersion } from '../lint/config.js';

/** The settings of a `.squawk.toml` that pgtandem can carry over. */
export interface SquawkSettings {
  excludedRules: string[];
  /** The major version from `pg_version` ("13.0" → 13). */
  pgVersion: number | undefined;
  assumeInTransaction: boolean | undefined;
  /** Top-level keys read but not carried over (`excluded_paths`, …). */
  otherKeys: string[];
}

type Value = string | number | boolean | Value[];

/**
 * Reads the small part of TOML a `.squawk.toml` uses: top-level `key = value`
 * with strings, numbers, booleans and (multi-line) arrays, `#` comments;
 * tables (`[upload_to_github]`) are skipped. Errors carry file:line:column.
 */
export function parseSquawkToml(file: string, text: string): SquawkSettings {
  const values = new Map<string, { value: Value; line: number }>();
  const lines = text.split(/\r?\n/);
  let inTable = false;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]!).trim();
    if (line === '') continue;
    if (line.startsWith('[')) {
      inTable = true;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) throw new ConfigError(file, 'expected key = value', { line: i + 1, column: 1 });
    const key = line.slice(0, eq).trim().replace(/^"(.*)"$/, '$1');
    let rest = line.slice(eq + 1).trim();
    const start = i;
    // An array may span lines: read on until its brackets balance.
    while (rest.startsWith('[') && !balanced(rest) && i + 1 < lines.length) rest += ' ' + stripComment(lines[++i]!).trim();
    const reader = new ValueReader(rest, (message) => new ConfigError(file, `${key}: ${message}`, { line: start + 1, column: eq + 2 }));
    const value = reader.value();
    reader.end();
    if (!inTable) values.set(key, { value, line: start + 1 });
  }

  const settings: SquawkSettings = { excludedRules: [], pgVersion: undefined, assumeInTransaction: undefined, otherKeys: [] };
  for (const [key, { value, line }] of values) {
    const fail = (message: string) => new ConfigError(file, `${key}: ${message}`, { line, column: 1 });
    if (key === 'excluded_rules') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw fail('expected an array of rule names');
      settings.excludedRules = value as string[];
    } else if (key === 'pg_version') {
      const major = /^(\d+)(\.\d+)?$/.exec(String(value).trim());
      if (!major) throw fail(`expected a version such as "13.0", got ${JSON.stringify(value)}`);
      settings.pgVersion = parsePgVersion(Number(major[1]), (m) => fail(m));
    } else if (key === 'assume_in_transaction') {
      if (typeof value !== 'boolean') throw fail('expected true or false');
      settings.assumeInTransaction = value;
    } else {
      settings.otherKeys.push(key);
    }
  }
  return settings;
}

/** The line without a `#` comment (a `#` inside a string stays). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
  }
  return depth === 0;
}

class ValueReader {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly fail: (message: string) => Error,
  ) {}

  value(): Value {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '"' || c === "'") return this.string(c);
    if (c === '[') return this.array();
    const word = /^[A-Za-z0-9_.+-]+/.exec(this.text.slice(this.at))?.[0];
    if (!word) throw this.fail(`unexpected ${c === undefined ? 'end of line' : JSON.stringify(c)}`);
    this.at += word.length;
    if (word === 'true' || word === 'false') return word === 'true';
    const number = Number(word.replace(/_/g, ''));
    if (Number.isNaN(number)) throw this.fail(`not a TOML value: ${word}`);
    return number;
  }

  end(): void {
    this.skipSpace();
    if (this.at < this.text.length) throw this.fail(`unexpected text after the value: ${this.text.slice(this.at)}`);
  }

  private string(quote: string): string {
    let out = '';
    for (this.at++; this.at < this.text.length; this.at++) {
      const c = this.text[this.at]!;
      if (c === quote) {
        this.at++;
        return out;
      }
      if (c === '\\' && quote === '"') {
        const next = this.text[++this.at];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : (next ?? '');
      } else out += c;
    }
    throw this.fail('unterminated string');
  }

  private array(): Value[] {
    const items: Value[] = [];
    this.at++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === ']') {
        this.at++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== ']') throw this.fail('expected , or ] in an array');
    }
  }

  private skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }
}
