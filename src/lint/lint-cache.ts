import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { MigrationFile } from '../migrations/migration.js';
import { Catalog, type CatalogData } from '../schema/catalog.js';
import type { Finding } from './finding.js';

/**
 * `lint --cache`: what linting a file found, kept between runs (ESLint's and
 * ruff's cache, for a linter whose findings depend on every file before).
 *
 * A file's findings depend on its own text and on the schema its history's
 * earlier files leave, so each file is keyed by a hash chain: the run's key
 * (pgtandem's build, Node's release, the resolved config), the history it
 * belongs to, every earlier file of that history and the file itself. Change
 * one file and it and every file after it in its history are linted again;
 * nothing before it is. The schema at the end of a history is kept too, so
 * that a file added at its end is linted without replaying (or parsing) the
 * files before it.
 */
export class LintCache {
  hits = 0;
  misses = 0;
  /** Histories whose schema was read back from the cache instead of replayed from their first file. */
  schemas = 0;
  private readonly usedAt = Date.now();

  /** Whether this run added anything: a run the cache answered in full does not write it again (mostly). */
  private changed = false;
  private readonly stringIndex: Map<string, number>;

  private constructor(
    readonly path: string,
    private readonly key: string,
    private readonly stored: StoredCache | undefined,
    private readonly strings: string[],
    private readonly files: Map<string, FileEntry>,
    private readonly catalogs: Map<string, CatalogEntry>,
  ) {
    this.stringIndex = new Map(strings.map((text, i) => [text, i]));
  }

  /**
   * Reads the cache at `path` for a run whose findings depend on `settings`
   * (anything JSON: the resolved config). A missing, unreadable or stale file
   * is an empty cache: it is only ever an optimisation.
   */
  static async open(path: string, settings: unknown): Promise<LintCache> {
    const key = hash(String(FORMAT), process.version, build(), JSON.stringify(settings));
    try {
      const stored = deserialize(await readFile(path)) as Partial<StoredCache>;
      if (stored.format === FORMAT && stored.key === key && Array.isArray(stored.strings) && stored.files instanceof Map && stored.catalogs instanceof Map) {
        return new LintCache(path, key, stored as StoredCache, stored.strings, stored.files, stored.catalogs);
      }
    } catch {
      // no cache yet, or one this build cannot read: start over
    }
    return new LintCache(path, key, undefined, [], new Map(), new Map());
  }

  /** The chain's start for one history (a folder, or the project's folders together). */
  start(history: string): string {
    return hash(this.key, history);
  }

  /**
   * The chain after `file` (at `absolutePath`): everything that makes the file what it is, on top of
   * everything before it. The absolute path, not the path as given: a folder linted whole and one of
   * its files named alone (its siblings then found by absolute path) are the same history.
   */
  next(chain: string, file: MigrationFile, absolutePath: string): string {
    const meta = [absolutePath, file.layout, file.version.join('.'), file.name, file.inTransaction ? 't' : 'f', file.appliedBy ?? '', file.readProblem?.message ?? ''];
    return hash(chain, meta.join('\0'), file.text);
  }

  /** What linting the file at this point of its chain found, when a run has seen it before (findings name the file as `file.path`). */
  findings(chain: string, file: MigrationFile): { findings: Finding[]; statements: number } | undefined {
    const entry = this.files.get(findingsKey(chain, file));
    if (!entry) return undefined;
    entry.used = this.usedAt;
    this.hits++;
    return { findings: decodeFindings(entry.codes, this.strings), statements: entry.statements };
  }

  /** A file linted afresh: what it found is kept under its chain, when it has one the cache can trust. */
  linted(chain: string | undefined, file: MigrationFile, findings: readonly Finding[], statements: number): void {
    this.misses++;
    if (chain === undefined) return;
    this.changed = true;
    this.files.set(findingsKey(chain, file), { codes: encodeFindings(findings, (text) => this.stringNumber(text)), statements, used: this.usedAt });
  }

  private stringNumber(text: string): number {
    let n = this.stringIndex.get(text);
    if (n === undefined) {
      n = this.strings.push(text) - 1;
      this.stringIndex.set(text, n);
    }
    return n;
  }

  hasCatalog(chain: string): boolean {
    return this.catalogs.has(chain);
  }

  /** The schema after the file at this point of a chain, as a catalog of its own, when one was kept. */
  catalog(chain: string): Catalog | undefined {
    const entry = this.catalogs.get(chain);
    if (!entry) return undefined;
    entry.used = this.usedAt;
    this.schemas++;
    // Read afresh each time: the run changes it in place, and the entry may be written back.
    return Catalog.fromData(deserialize(entry.bytes) as CatalogData);
  }

  /** Keeps the schema at the end of a history, as it is now. */
  rememberCatalog(chain: string, catalog: Catalog): void {
    if (this.catalogs.has(chain)) return;
    this.changed = true;
    this.catalogs.set(chain, { bytes: serialize(catalog.toData()), used: this.usedAt });
  }

  /**
   * Writes the cache: what this run used, then the most recently used of the
   * rest up to a bound, so it does not grow without end. Written to a
   * temporary file and renamed, so a reader sees the old cache or the new one.
   */
  async save(): Promise<void> {
    // Written again now and then all the same, so that what runs keep using stays newest.
    if (!this.changed && this.stored && this.usedAt - this.stored.savedAt < REFRESH_MS) return;
    const files = newest(this.files, MAX_FILES);
    // Only the strings the kept entries name, numbered afresh: the table does not grow with what was dropped.
    const strings: string[] = [];
    const renumbered = new Map<number, number>();
    for (const entry of files.values()) {
      entry.codes = entry.codes.map((code, i) => {
        if (!isString(i)) return code;
        let n = renumbered.get(code);
        if (n === undefined) renumbered.set(code, (n = strings.push(this.strings[code]!) - 1));
        return n;
      });
    }
    const stored: StoredCache = { format: FORMAT, key: this.key, savedAt: this.usedAt, strings, files, catalogs: newest(this.catalogs, MAX_CATALOGS) };
    const dir = dirname(this.path);
    // Like .ruff_cache, a folder the cache made says itself that it is not to be committed
    // (a folder that was there, the project's own perhaps, is left as it is).
    if ((await mkdir(dir, { recursive: true })) !== undefined) await writeFile(join(dir, '.gitignore'), '# written by pgtandem lint --cache\n*\n');
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, serialize(stored));
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}

/** Bump when what is stored changes shape or meaning. */
const FORMAT = 1;
const MAX_FILES = 50_000;
const MAX_CATALOGS = 64;
const REFRESH_MS = 24 * 3600_000;

interface FileEntry {
  /** Its findings, `FIELDS.length` numbers each: the strings as indexes into the cache's string table. */
  codes: Uint32Array;
  statements: number;
  used: number;
}

interface CatalogEntry {
  /** `v8.serialize` of the catalog's data: read back only for the history that needs it. */
  bytes: Uint8Array;
  used: number;
}

interface StoredCache {
  format: number;
  key: string;
  savedAt: number;
  /** Rule ids, paths, messages, help: each stored once, however many findings repeat it. */
  strings: string[];
  files: Map<string, FileEntry>;
  catalogs: Map<string, CatalogEntry>;
}

/** A finding's fields in the order they are encoded; the strings among them go through the string table. */
const FIELDS = ['rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'phase', 'message', 'help', 'docs'] as const satisfies readonly (keyof Finding)[];
const NUMERIC = new Set<string>(['line', 'column', 'endLine', 'endColumn']);
const isString = (i: number): boolean => !NUMERIC.has(FIELDS[i % FIELDS.length]!);

function encodeFindings(findings: readonly Finding[], stringNumber: (text: string) => number): Uint32Array {
  const codes = new Uint32Array(findings.length * FIELDS.length);
  let i = 0;
  for (const finding of findings) {
    for (const field of FIELDS) {
      const value = finding[field];
      codes[i++] = typeof value === 'number' ? value : stringNumber(value);
    }
  }
  return codes;
}

function decodeFindings(codes: Uint32Array, strings: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (let i = 0; i < codes.length; i += FIELDS.length) {
    const finding: Record<string, string | number> = {};
    FIELDS.forEach((field, j) => {
      finding[field] = NUMERIC.has(field) ? codes[i + j]! : strings[codes[i + j]!]!;
    });
    findings.push(finding as unknown as Finding);
  }
  return findings;
}

/**
 * This build of pgtandem and of its parser: the module's own file (a
 * release's, or the one a build just wrote) and libpg-query's (resolved, not
 * loaded), so a cache never outlives the rules or the grammar that filled it.
 */
function build(): string {
  return [fileURLToPath(import.meta.url), createRequire(import.meta.url).resolve('libpg-query')].map(stamp).join('\0');
}

function stamp(path: string): string {
  try {
    const { size, mtimeMs } = statSync(path);
    return `${path}\0${size}\0${mtimeMs}`;
  } catch {
    return path;
  }
}

/** Findings name their file as the run was given it: the same file named another way has findings of its own. */
function findingsKey(chain: string, file: MigrationFile): string {
  return hash(chain, file.path);
}

function hash(...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) h.update(part).update('\0');
  return h.digest('base64url');
}

function newest<T extends { used: number }>(entries: ReadonlyMap<string, T>, max: number): Map<string, T> {
  if (entries.size <= max) return new Map(entries);
  return new Map([...entries].sort((a, b) => b[1].used - a[1].used).slice(0, max));
}
