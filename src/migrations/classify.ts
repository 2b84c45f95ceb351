import type { Layout } from './migration.js';
import type { FileName, MigrationName } from './layouts/layout-reader.js';
import { LAYOUT_READERS } from './layouts/index.js';
import { isPopxOnlyName } from './layouts/popx.js';
import { hasPhaseMarkers } from './segments.js';

export interface SourceFile extends FileName {
  text: string;
}

export interface DirectoryFacts {
  /** Drizzle Kit keeps `meta/_journal.json` beside its SQL files. */
  drizzleJournal: boolean;
}

export interface Classified {
  layout: Layout;
  name: MigrationName;
}

/** Layouts whose directory claims files that carry no marker of their own. */
const CLAIMS_UNMARKED: ReadonlySet<Layout> = new Set(['goose', 'dbmate', 'drizzle', 'native']);

const SIGNAL_ORDER: readonly Layout[] = ['prisma', 'diesel', 'golang-migrate', 'flyway'];
const MARKER_ORDER: readonly Layout[] = ['goose', 'dbmate', 'drizzle'];

/**
 * Decides the layout of every `.sql` file in one directory from all of them:
 * a goose file without annotations in a goose directory is goose, a Drizzle
 * chunk without breakpoints beside other Drizzle files is Drizzle, and plain
 * `N_name.up.sql` files beside popx-only names are popx.
 */
export function classifyDirectory(files: readonly SourceFile[], facts: DirectoryFacts): Classified[] {
  const signals = files.map(signalOf);
  const layout = directoryLayout(files, signals, facts);
  const classified = files.map((file, i) => classifyFile(file, signals[i], layout));
  if (layout === 'popx') shadowGenericPopx(files, classified);
  return classified;
}

/** The layout a file shows by itself, from its name or its markers. */
export function signalOf(file: SourceFile): Layout | undefined {
  const popxName = LAYOUT_READERS.popx.parseName(file);
  if (popxName && isPopxOnlyName(popxName)) return 'popx';
  for (const layout of SIGNAL_ORDER) if (LAYOUT_READERS[layout].parseName(file)) return layout;
  for (const layout of MARKER_ORDER) if (LAYOUT_READERS[layout].hasMarkers?.(file.text)) return layout;
  if (LAYOUT_READERS.native.parseName(file) && hasPhaseMarkers(file.text)) return 'native';
  return undefined;
}

function directoryLayout(
  files: readonly SourceFile[],
  signals: readonly (Layout | undefined)[],
  facts: DirectoryFacts,
): Layout | undefined {
  if (signals.includes('popx') || hasPopxPair(files)) return 'popx';
  if (facts.drizzleJournal) return 'drizzle';
  const counts = new Map<Layout, number>();
  for (const signal of signals) if (signal) counts.set(signal, (counts.get(signal) ?? 0) + 1);
  let best: Layout | undefined;
  for (const [layout, count] of counts) if (best === undefined || count > (counts.get(best) ?? 0)) best = layout;
  return best;
}

function classifyFile(file: SourceFile, signal: Layout | undefined, directory: Layout | undefined): Classified {
  if (directory === 'popx' && (signal === 'popx' || signal === 'golang-migrate')) {
    const name = LAYOUT_READERS.popx.parseName(file);
    if (name) return { layout: 'popx', name };
  }
  // Drizzle runs every file its journal lists, markers or not (`drizzle-kit generate --custom` writes an
  // empty one to fill in): a phased file in its folder is Drizzle's to run whole, not pgtandem's.
  if (signal === 'native' && directory === 'drizzle') {
    const name = LAYOUT_READERS.drizzle.parseName(file);
    if (name) return { layout: 'drizzle', name };
  }
  if (signal === undefined && directory !== undefined && CLAIMS_UNMARKED.has(directory)) {
    const name = LAYOUT_READERS[directory].parseName(file);
    if (name) return { layout: directory, name };
  }
  const layout = signal ?? 'plain';
  return { layout, name: nameOf(file, layout) };
}

/** The file's name read as `layout`, falling back to the plain reading when it does not fit. */
export function nameOf(file: FileName, layout: Layout): MigrationName {
  return LAYOUT_READERS[layout].parseName(file) ?? (LAYOUT_READERS.plain.parseName(file) as MigrationName);
}

/** A `.postgres.` file with a dialect-less twin of the same version: popx's override. */
function hasPopxPair(files: readonly SourceFile[]): boolean {
  const names = files.map((file) => LAYOUT_READERS.popx.parseName(file));
  const generic = new Set(names.filter((n) => n && n.dialect === undefined).map((n) => popxKey(n as MigrationName)));
  return names.some((n) => n?.dialect === 'postgres' && generic.has(popxKey(n)));
}

/** popx runs a dialect-less up file only when no `.postgres.` up file has its version. */
function shadowGenericPopx(files: readonly SourceFile[], classified: Classified[]): void {
  const specific = new Map<string, string>();
  classified.forEach(({ layout, name }, i) => {
    if (layout === 'popx' && name.dialect === 'postgres' && !name.notForward) specific.set(popxKey(name), files[i]?.base ?? '');
  });
  for (const { layout, name } of classified) {
    const twin = specific.get(popxKey(name));
    if (layout !== 'popx' || name.dialect !== undefined || name.notForward || twin === undefined) continue;
    name.notForward = `replaced by its PostgreSQL variant ${twin}`;
  }
}

function popxKey(name: MigrationName): string {
  return name.version.join('.');
}
