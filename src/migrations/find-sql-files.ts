import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from './fast-fs.js';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { DiscoveryError } from './discovery-error.js';
import { parseScriptName } from './script-name.js';

/** A migration file (`.sql`, or a `<version>_<name>.ts` script) to return, with the path shown to the user and the one to read. */
export interface SqlTarget {
  displayPath: string;
  fsPath: string;
}

export interface FoundFiles {
  targets: SqlTarget[];
  /** Files named explicitly that are not SQL. */
  ignored: { path: string; reason: string }[];
}

/**
 * Expands files, directories (recursively) and globs into `.sql` files and
 * script migrations (`<version>_<name>.ts|.mts|.js|.mjs`), each once,
 * skipping `node_modules` and hidden entries. A path that exists is taken
 * literally even if it looks like a glob.
 */
export async function findSqlFiles(paths: readonly string[], listings = new DirectoryListings()): Promise<FoundFiles> {
  const found: FoundFiles = { targets: [], ignored: [] };
  const seen = new Set<string>();
  const add = (displayPath: string, fsPath: string): void => {
    const key = resolve(fsPath);
    if (seen.has(key)) return;
    seen.add(key);
    found.targets.push({ displayPath: toSlashes(displayPath), fsPath });
  };

  for (const given of paths) {
    const kind = await kindOf(given);
    if (kind === 'directory') {
      for (const rel of await walk(given, new Set(), listings)) add(joinDisplay(given, rel), join(given, rel));
    } else if (kind === 'file') {
      if (isMigrationName(basename(given))) add(given, given);
      else found.ignored.push({ path: toSlashes(given), reason: 'not a .sql file or a <version>_<name>.ts migration' });
    } else if (await expandGlob(given, add, listings)) {
      // a glob, expanded
    } else {
      throw new DiscoveryError('PATH_NOT_FOUND', given, `no such file or directory: ${given}`);
    }
  }
  return found;
}

/** Expands `pattern` when it is a glob (and says whether it was). */
async function expandGlob(pattern: string, add: (display: string, fsPath: string) => void, listings: DirectoryListings): Promise<boolean> {
  // Loaded on use: most runs name folders and files, and the glob library is a fifth of what lint loads.
  const { glob, isDynamicPattern } = await import('tinyglobby');
  if (!isDynamicPattern(pattern)) return false;
  const matches = await glob(pattern, {
    absolute: isAbsolute(pattern),
    dot: false,
    onlyFiles: false,
    expandDirectories: false,
    ignore: ['**/node_modules/**'],
  });
  if (matches.length === 0) throw new DiscoveryError('GLOB_NO_MATCH', pattern, `no files match ${pattern}`);
  for (const match of matches.sort()) {
    const path = match.replace(/\/$/, '');
    if ((await kindOf(path)) === 'directory') {
      for (const rel of await walk(path, new Set(), listings)) add(joinDisplay(path, rel), join(path, rel));
    } else if (isMigrationName(basename(path))) add(path, path);
  }
  return true;
}

/**
 * Relative paths (forward slashes) of the `.sql` files under `dir`, in name order.
 * `real` is the directory's resolved path, known without a syscall unless a
 * symlink led here: only symlinks can make cycles.
 */
async function walk(dir: string, visited: Set<string>, listings: DirectoryListings, real?: string): Promise<string[]> {
  const resolved = real ?? (await realpath(dir).catch(() => dir));
  if (visited.has(resolved)) return []; // a symlink cycle
  visited.add(resolved);
  const entries = await listings.list(dir).catch((cause: unknown) => {
    throw new DiscoveryError('READ_FAILED', dir, `cannot read directory ${dir}`, { cause });
  });
  const files: string[] = [];
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    const symlink = entry.isSymbolicLink();
    const kind = symlink ? await kindOf(full) : direntKind(entry);
    if (kind === 'directory') {
      const rels = await walk(full, visited, listings, symlink ? undefined : join(resolved, entry.name));
      files.push(...rels.map((rel) => `${entry.name}/${rel}`));
    } else if (kind === 'file' && isMigrationName(entry.name)) files.push(entry.name);
  }
  return files;
}

/**
 * The directory listings of one discovery: each directory is listed while
 * walking and again to read a migration's siblings (Prisma and Diesel keep
 * one directory per migration), so the second look is free.
 */
export class DirectoryListings {
  readonly #listings = new Map<string, Promise<Dirent[]>>();

  list(dir: string): Promise<Dirent[]> {
    let listing = this.#listings.get(dir);
    if (!listing) this.#listings.set(dir, (listing = readdir(dir, { withFileTypes: true })));
    return listing;
  }
}

/** Names of the `.sql` files directly in `dir` (the context that decides their layout). */
export async function sqlFilesIn(dir: string, listings = new DirectoryListings()): Promise<string[]> {
  const entries = await listings.list(dir).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.') || !isSql(entry.name)) continue;
    const kind = entry.isSymbolicLink() ? await kindOf(join(dir, entry.name)) : direntKind(entry);
    if (kind === 'file') {
      names.push(entry.name);
    }
  }
  return names.sort();
}

function direntKind(entry: Dirent): 'file' | 'directory' | undefined {
  return entry.isDirectory() ? 'directory' : entry.isFile() ? 'file' : undefined;
}

async function kindOf(path: string): Promise<'file' | 'directory' | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) return 'directory';
  return info?.isFile() ? 'file' : undefined;
}

function isSql(name: string): boolean {
  return name.toLowerCase().endsWith('.sql');
}

function isMigrationName(name: string): boolean {
  return isSql(name) || parseScriptName(name) !== undefined;
}

function joinDisplay(base: string, rel: string): string {
  const slashed = toSlashes(base);
  const trimmed = slashed.replace(/\/+$/, '');
  if (trimmed === '.') return rel;
  if (trimmed === '') return slashed.startsWith('/') ? `/${rel}` : rel;
  return `${trimmed}/${rel}`;
}

function toSlashes(path: string): string {
  return path.replace(/\\/g, '/');
}
