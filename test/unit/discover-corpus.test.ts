import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverMigrations, type Discovery } from '../../src/migrations/discover.js';
import type { Layout, MigrationFile } from '../../src/migrations/migration.js';
import { orderingDirectory } from '../../src/migrations/order.js';
import { compareVersions } from '../../src/migrations/version.js';

/**
 * The real-world corpus (../shared/corpus, see its MANIFEST.md) sits beside the
 * repository while pgtandem is developed and is absent from a clone; the
 * licensed sample under test/fixtures/corpus-sample (a few verbatim files per
 * project) keeps this test meaningful everywhere.
 */
const FULL_CORPUS = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../fixtures/corpus-sample', import.meta.url));
const hasFullCorpus = existsSync(FULL_CORPUS);

type LayoutCounts = Partial<Record<Layout, number>>;

interface Expected {
  /** Forward migrations by directory (relative to the project, `.` for its root) and layout. */
  dirs: Record<string, LayoutCounts>;
  /** Down files, popx files for other databases or replaced by a `.postgres.` variant. */
  skipped: number;
  /** Migrations their tool runs outside a transaction. */
  outsideTransaction: number;
}

interface Project {
  project: string;
  full: Expected;
  /** Undefined for the fixtures groups, which the sample leaves out. */
  sample?: Expected;
}

const only = (counts: LayoutCounts, skipped = 0, outsideTransaction = 0): Expected => ({
  dirs: { '.': counts },
  skipped,
  outsideTransaction,
});

// Counted from the corpus with find/grep (MANIFEST.md, 2026-11-26 snapshot).
const PROJECTS: Project[] = [
  // 351 up (5 dialect-less ones replaced by a .postgres. twin) + 351 down; 10 .autocommit. run.
  { project: 'ory__kratos', full: only({ popx: 346 }, 356, 10), sample: only({ popx: 4 }, 2, 2) },
  // 285 migration directories (up.sql run, down.sql skipped), 7 metadata.toml with run_in_transaction = false,
  // and the loose data_oauth_github.sql, which Diesel ignores and pgtandem lints as plain.
  { project: 'rust-lang__crates.io', full: only({ diesel: 285, plain: 1 }, 285, 7), sample: only({ diesel: 3, plain: 1 }, 1, 1) },
  { project: 'goharbor__harbor', full: only({ 'golang-migrate': 39 }), sample: only({ 'golang-migrate': 4 }) },
  // One 20220614074223_….postgres.up.sql among plain up files: still golang-migrate, not popx.
  { project: 'supabase__auth', full: only({ 'golang-migrate': 70 }), sample: only({ 'golang-migrate': 3 }) },
  {
    project: 'supabase__postgres',
    full: { dirs: { 'init-scripts': { dbmate: 4 }, migrations: { dbmate: 30 } }, skipped: 0, outsideTransaction: 0 },
    sample: { dirs: { 'init-scripts': { dbmate: 1 }, migrations: { dbmate: 2 } }, skipped: 0, outsideTransaction: 0 },
  },
  {
    project: 'supabase__storage',
    full: {
      dirs: { multitenant: { plain: 28 }, tenant: { plain: 63 }, vector_store: { plain: 1 } },
      skipped: 0,
      outsideTransaction: 0,
    },
    sample: {
      dirs: { multitenant: { plain: 1 }, tenant: { plain: 3 }, vector_store: { plain: 1 } },
      skipped: 0,
      outsideTransaction: 0,
    },
  },
  { project: 'umami-software__umami', full: only({ prisma: 19 }), sample: only({ prisma: 3 }) },
  // Includes two migration directories whose names end in `.sql`.
  { project: 'langfuse__langfuse', full: only({ prisma: 434 }), sample: only({ prisma: 3 }) },
  { project: 'triggerdotdev__trigger.dev', full: only({ prisma: 820 }), sample: only({ prisma: 2 }) },
  // 211 files with breakpoints; the other 88 are Drizzle by their directory.
  { project: 'simstudioai__sim', full: only({ drizzle: 299 }), sample: only({ drizzle: 3 }) },
  // 33 files say `-- +goose NO TRANSACTION` (2 of them in lower case).
  { project: 'hatchet-dev__hatchet', full: only({ goose: 224 }, 0, 33), sample: only({ goose: 3 }, 0, 1) },
  { project: 'MarquezProject__marquez', full: only({ flyway: 84 }), sample: only({ flyway: 5 }) },
  { project: 'kestra-io__kestra', full: only({ flyway: 26 }), sample: only({ flyway: 3 }) },
  { project: 'QuivrHQ__quivr', full: only({ plain: 69 }), sample: only({ plain: 3 }) },
  { project: 'authelia__authelia', full: only({ 'golang-migrate': 26 }, 26), sample: only({ 'golang-migrate': 2 }, 1) },
  {
    project: 'xataio__pgroll',
    full: { dirs: { derived: { plain: 1 }, 'pkg/state': { plain: 1 } }, skipped: 0, outsideTransaction: 0 },
  },
  {
    project: 'sbdchd__squawk',
    full: {
      dirs: {
        '.': { plain: 1 },
        'crates/squawk_fmt/tests/before': { plain: 8 },
        'crates/squawk_parser/tests/data/err': { plain: 30 },
        'crates/squawk_parser/tests/data/ok': { plain: 186 },
        'crates/squawk_syntax/test_data/validation': { plain: 29 },
        'postgres/plpgsql': { plain: 13 },
        'postgres/regression_suite': { plain: 243 },
      },
      skipped: 0,
      outsideTransaction: 0,
    },
  },
];

const sources = [
  { source: 'corpus sample', root: SAMPLE, pick: (p: Project) => p.sample },
  ...(hasFullCorpus ? [{ source: 'full corpus', root: FULL_CORPUS, pick: (p: Project) => p.full }] : []),
];

describe.each(sources)('$source', ({ root, pick }) => {
  const rows = PROJECTS.flatMap((p) => {
    const expected = pick(p);
    return expected ? [{ project: p.project, expected }] : [];
  });

  describe.each(rows)('$project', ({ project, expected }) => {
    const projectRoot = join(root, project);
    let found: Promise<Discovery> | undefined;
    const discovery = (): Promise<Discovery> => (found ??= discoverMigrations([projectRoot]));

    it('is discovered with the expected layouts, per directory', async () => {
      const { migrations } = await discovery();
      const dirs: Record<string, LayoutCounts> = {};
      for (const m of migrations) {
        const dir = relative(projectRoot, orderingDirectory(m)) || '.';
        const counts = (dirs[dir] ??= {});
        counts[m.layout] = (counts[m.layout] ?? 0) + 1;
      }
      expect(dirs).toEqual(expected.dirs);
    });

    it('skips down files and other databases, and knows which files run outside a transaction', async () => {
      const { migrations, skipped } = await discovery();
      expect(skipped).toHaveLength(expected.skipped);
      expect(migrations.filter((m) => !m.inTransaction)).toHaveLength(expected.outsideTransaction);
    });

    it('reads every file cleanly into ordered expand segments', async () => {
      const { migrations } = await discovery();
      for (const m of migrations) {
        expect(m.readProblem, m.path).toBeUndefined();
        let previousEnd = 0;
        for (const s of m.segments) {
          expect(s.start, m.path).toBeGreaterThanOrEqual(previousEnd);
          expect(s.end, m.path).toBeGreaterThan(s.start);
          expect(s.end, m.path).toBeLessThanOrEqual(m.text.length);
          expect(s.phase, m.path).toBe('expand'); // no project uses pgtandem markers
          previousEnd = s.end;
        }
      }
    });

    it('orders each directory by version, unversioned files last', async () => {
      const { migrations } = await discovery();
      const byDirectory = new Map<string, MigrationFile[]>();
      for (const m of migrations) {
        const dir = orderingDirectory(m);
        byDirectory.set(dir, [...(byDirectory.get(dir) ?? []), m]);
      }
      for (const group of byDirectory.values()) {
        for (let i = 1; i < group.length; i++) {
          const [a, b] = [group[i - 1] as MigrationFile, group[i] as MigrationFile];
          if (b.version.length === 0) continue;
          expect(a.version.length, `${a.path} before ${b.path}`).toBeGreaterThan(0);
          // Prisma runs its folders in name order; every other tool by version.
          if (a.layout === 'prisma' && b.layout === 'prisma') expect(a.path < b.path, `${a.path} before ${b.path}`).toBe(true);
          else expect(compareVersions(a.version, b.version), `${a.path} before ${b.path}`).toBeLessThanOrEqual(0);
        }
      }
    });
  });
});

describe.runIf(hasFullCorpus)('corpus sample', () => {
  it('holds verbatim copies of corpus files, with each project licence', () => {
    const files = listFiles(SAMPLE);
    for (const file of files) {
      expect(readFileSync(join(SAMPLE, file)).equals(readFileSync(join(FULL_CORPUS, file))), file).toBe(true);
    }
    const projects = new Set(files.map((file) => file.split('/')[0]));
    for (const project of projects) expect(files).toContain(`${project}/LICENSE`);
  });
});

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, name)).isDirectory() ? listFiles(join(dir, name), rel) : [rel];
  });
}
