import { readFile, stat } from './fast-fs.js';
import { basename, dirname, join, resolve } from 'node:path';
import type { Layout, MigrationFile } from './migration.js';
import { classifyDirectory, nameOf, type Classified, type SourceFile } from './classify.js';
import { DiscoveryError } from './discovery-error.js';
import { DirectoryListings, findSqlFiles, sqlFilesIn, type SqlTarget } from './find-sql-files.js';
import { LAYOUT_READERS } from './layouts/index.js';
import { sortByPath, sortMigrations } from './order.js';
import { checkMigrationText, decodeMigrationBytes, type MigrationText } from './read-text.js';
import { parseScriptName, type ScriptName } from './script-name.js';

export { DiscoveryError, type DiscoveryErrorCode } from './discovery-error.js';

export interface DiscoverOptions {
  /** Whether a foreign file without its tool's no-transaction marker runs in one transaction. Default true. */
  assumeInTransaction: boolean;
}

export interface Discovery {
  /** Forward migrations in run order. */
  migrations: MigrationFile[];
  /** `.sql` files found but not forward migrations (down, undo, other databases), with the reason. */
  skipped: { path: string; reason: string }[];
}

/**
 * Finds the migrations under files, directories (recursively) and globs, and
 * reads each in its tool's layout, decided per directory from all its files.
 * Throws {@link DiscoveryError} for a path that does not exist, a glob that
 * matches nothing, or a file that cannot be read.
 */
export async function discoverMigrations(
  paths: readonly string[],
  options: Partial<DiscoverOptions> = {},
): Promise<Discovery> {
  const settings = withDefaults(options);
  const listings = new DirectoryListings();
  const found = await findSqlFiles(paths, listings);
  const migrations: MigrationFile[] = [];
  const skipped = [...found.ignored];
  const sqlTargets: SqlTarget[] = [];
  for (const target of found.targets) {
    const script = parseScriptName(basename(target.fsPath));
    if (script) migrations.push(await readScriptMigration(target, script));
    else sqlTargets.push(target);
  }
  // Prisma and Diesel keep one directory per migration: read directories concurrently, not one by one.
  await mapConcurrently([...groupByDirectory(sqlTargets)], DIRECTORY_CONCURRENCY, async ([dir, targets]) => {
    const directory = await readDirectory(dir, targets, listings);
    for (const target of targets) {
      const base = basename(target.fsPath);
      const entry = directory.get(base) as DirectoryEntry;
      const reason = entry.classified.name.notForward;
      if (reason !== undefined) {
        skipped.push({ path: target.displayPath, reason });
        continue;
      }
      const sidecarNoTx = await sidecarDisablesTransaction(dir, entry, listings);
      migrations.push(toMigration(target.displayPath, entry.text, entry.classified, settings, sidecarNoTx));
    }
  });
  sortMigrations(migrations);
  sortByPath(skipped);
  return { migrations, skipped };
}

/**
 * Reads one migration held in memory. Without `layoutHint` the layout comes from
 * the path and the text alone (no sibling files to consult). Throws
 * {@link DiscoveryError} `NOT_FORWARD_MIGRATION` for a down or undo file.
 */
export function readMigrationSource(
  path: string,
  text: string,
  options: Partial<DiscoverOptions> = {},
  layoutHint?: Layout,
): MigrationFile {
  const slashed = path.replace(/\\/g, '/');
  const parts = slashed.split('/');
  const file = { base: parts[parts.length - 1] ?? slashed, parent: parts[parts.length - 2] ?? '' };
  const checked = checkMigrationText(text);
  const classified: Classified = layoutHint
    ? { layout: layoutHint, name: nameOf(file, layoutHint) }
    : (classifyDirectory([{ ...file, text: checked.text }], { drizzleJournal: false })[0] as Classified);
  const reason = classified.name.notForward;
  if (reason !== undefined) {
    throw new DiscoveryError('NOT_FORWARD_MIGRATION', path, `${path} is not a forward migration: ${reason}`);
  }
  return toMigration(slashed, checked, classified, withDefaults(options), false);
}

/**
 * A TypeScript or JavaScript migration: its exports are its phases, so the
 * text is kept (for the checksum) but not split into sections.
 */
async function readScriptMigration(target: SqlTarget, script: ScriptName): Promise<MigrationFile> {
  const bytes = await readFile(target.fsPath).catch((cause: unknown) => {
    throw new DiscoveryError('READ_FAILED', target.displayPath, `cannot read ${target.displayPath}`, { cause });
  });
  const source = decodeMigrationBytes(bytes);
  const migration: MigrationFile = {
    path: target.displayPath,
    layout: 'native',
    version: [script.version],
    name: script.name,
    text: source.text,
    segments: [],
    inTransaction: true,
    script: { language: script.language, file: resolve(target.fsPath) },
  };
  if (source.readProblem) migration.readProblem = source.readProblem;
  return migration;
}

interface DirectoryEntry {
  file: SourceFile;
  text: MigrationText;
  classified: Classified;
}

function withDefaults(options: Partial<DiscoverOptions>): DiscoverOptions {
  return { assumeInTransaction: options.assumeInTransaction ?? true };
}

function groupByDirectory(targets: readonly SqlTarget[]): Map<string, SqlTarget[]> {
  const groups = new Map<string, SqlTarget[]>();
  for (const target of targets) {
    const dir = dirname(target.fsPath);
    const group = groups.get(dir);
    if (group) group.push(target);
    else groups.set(dir, [target]);
  }
  return groups;
}

/** Reads every `.sql` file of `dir`: the targets' layout depends on their siblings. */
async function readDirectory(dir: string, targets: readonly SqlTarget[], listings: DirectoryListings): Promise<Map<string, DirectoryEntry>> {
  const wanted = new Set(targets.map((t) => basename(t.fsPath)));
  const names = [...new Set([...(await sqlFilesIn(dir, listings)), ...wanted])].sort();
  const parent = basename(resolve(dir));
  const texts: MigrationText[] = [];
  for (const base of names) {
    const bytes = await readFile(join(dir, base)).catch((cause: unknown) => {
      if (!wanted.has(base)) return new Uint8Array(); // a sibling we only consult
      throw new DiscoveryError('READ_FAILED', join(dir, base), `cannot read ${join(dir, base)}`, { cause });
    });
    texts.push(decodeMigrationBytes(bytes));
  }
  const files = names.map((base, i) => ({ base, parent, text: texts[i]?.text ?? '' }));
  const classified = classifyDirectory(files, { drizzleJournal: (await mayHold(dir, 'meta', listings)) && (await exists(join(dir, 'meta', '_journal.json'))) });
  const entries = new Map<string, DirectoryEntry>();
  files.forEach((file, i) => {
    entries.set(file.base, { file, text: texts[i] as MigrationText, classified: classified[i] as Classified });
  });
  return entries;
}

async function sidecarDisablesTransaction(dir: string, entry: DirectoryEntry, listings: DirectoryListings): Promise<boolean> {
  const sidecar = LAYOUT_READERS[entry.classified.layout].sidecar;
  if (!sidecar) return false;
  const name = sidecar.fileName(entry.file);
  if (!(await mayHold(dir, name, listings))) return false;
  const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
  return text !== undefined && sidecar.disablesTransaction(text);
}

function toMigration(
  path: string,
  source: MigrationText,
  { layout, name }: Classified,
  options: DiscoverOptions,
  sidecarNoTx: boolean,
): MigrationFile {
  const body = source.binary ? { segments: [], noTransaction: false } : LAYOUT_READERS[layout].read(source.text);
  const noTransaction = name.noTransaction === true || body.noTransaction || sidecarNoTx;
  const migration: MigrationFile = {
    path,
    layout,
    version: name.version,
    name: name.name,
    text: source.text,
    segments: body.segments,
    // Native files run in the runner's transaction per phase; others as their tool runs them.
    inTransaction: layout === 'native' ? true : !noTransaction && options.assumeInTransaction,
  };
  if (source.readProblem) migration.readProblem = source.readProblem;
  return migration;
}

/** Enough to keep the file system busy, few enough to stay far from the open-file limit. */
const DIRECTORY_CONCURRENCY = 16;

async function mapConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Whether `dir`'s listing (already read for its siblings) has an entry `name`, so
 * that a file most directories lack costs no failed system call (and no thrown
 * error) per directory; true when the listing cannot say.
 */
async function mayHold(dir: string, name: string, listings: DirectoryListings): Promise<boolean> {
  const entries = await listings.list(dir).catch(() => undefined);
  return entries === undefined || entries.some((entry) => entry.name === name);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
