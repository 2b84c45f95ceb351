import { appendFileSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';
import type { LintResult } from '../../src/lint/finding.js';
import { tempDir } from '../support/temp-dir.js';

// `lint --cache` must find exactly what a lint without it finds, on every
// project of the corpus (the licensed sample here, the full corpus too when it
// sits beside the repository), as the project's files change: a run that
// fills the cache, a run it answers in full, and a run after a file in the
// middle of the history changed, where the files before it come from the
// cache and are replayed for the files after it, which are linted afresh.
const full = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const sample = fileURLToPath(new URL('../fixtures/corpus-sample', import.meta.url));
const corpora = [sample, ...(existsSync(full) ? [full] : [])];
// Test fixtures (squawk's parser tests, PostgreSQL's regression suite): no history a team keeps, and slow
// to lint five times; lint-cache-replay.test.ts checks their replay.
const FIXTURE_PROJECTS = new Set(['sbdchd__squawk', 'xataio__pgroll']);
const projectsOf = (corpus: string): string[] =>
  readdirSync(corpus)
    .filter((d) => !FIXTURE_PROJECTS.has(d) && statSync(join(corpus, d)).isDirectory())
    .sort();

const work = tempDir('lint-cache-corpus');

const seen = (result: LintResult) => ({ findings: result.findings, files: result.files.map((f) => [f.path, f.statements]) });

describe.each(corpora.map((c) => [c === full ? 'full' : 'sample', c]))('lint --cache on the corpus (%s)', (kind, corpus) => {
  it.each(projectsOf(corpus))('%s: the same findings as without the cache, before and after a file changes', async (project) => {
    const dir = join(work, kind, project);
    cpSync(join(corpus, project), dir, { recursive: true });
    const cache = join(work, kind, `${project}.cache`);
    const options = { paths: [dir], configFile: false as const };

    const plain = await lint(options);
    const filled = await lint({ ...options, cache });
    expect(seen(filled)).toEqual(seen(plain));
    expect(filled.cache).toMatchObject({ hits: 0, misses: plain.files.length });
    const answered = await lint({ ...options, cache });
    expect(seen(answered)).toEqual(seen(plain));
    expect(answered.cache).toMatchObject({ hits: plain.files.length, misses: 0 });

    // A file in the middle changes: a comment at its end moves none of its findings, but it is another file now.
    const middle = plain.files[Math.floor(plain.files.length / 2)]!;
    appendFileSync(middle.path, '\n-- changed after the cache was filled\n');
    const changed = await lint(options);
    const mixed = await lint({ ...options, cache });
    expect(seen(mixed)).toEqual(seen(changed));
    expect(mixed.cache!.misses).toBeGreaterThan(0);
    if (plain.files.length > 2) expect(mixed.cache!.hits).toBeGreaterThan(0);
  });
});
