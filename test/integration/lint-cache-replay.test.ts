import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { lintMigrationFile, replayMigrationFile } from '../../src/lint/lint-file.js';
import { Catalog } from '../../src/schema/catalog.js';
import { replayFile } from '../../src/schema/replay-catalog.js';
import { loadParser } from '../../src/sql/pg-parser.js';

// `lint --cache` skips the files it has findings for and, when a later file
// is linted afresh, replays them with no rule run: right only while no rule
// changes the schema it is handed. Every rule on, file by file, on every
// project of the corpus sample (and the full corpus when it is present). The
// schema layer's replay (the runner's contract guard, adopt, recipes) must
// agree too: it once kept a SET LOCAL search_path past its ROLLBACK.
const full = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));
const sample = fileURLToPath(new URL('../fixtures/corpus-sample', import.meta.url));
const corpora = [sample, ...(existsSync(full) ? [full] : [])];
const projectsOf = (corpus: string): string[] => readdirSync(corpus).filter((d) => statSync(join(corpus, d)).isDirectory()).sort();
const everyRule = Object.fromEntries(rules.map((rule) => [rule.id, 'warn' as const]));

beforeAll(async () => {
  await loadParser();
});

describe.each(corpora.map((c) => [c === full ? 'full' : 'sample', c]))('replaying a file leaves the schema linting it leaves (%s corpus)', (_kind, corpus) => {
  it.each(projectsOf(corpus))('%s', async (project) => {
    const { migrations } = await discoverMigrations([join(corpus, project)], { assumeInTransaction: false });
    const linted = new Catalog();
    const replayed = new Catalog();
    const schemaLayer = new Catalog();
    let compared = 0;
    for (const [i, file] of migrations.entries()) {
      if (file.script) continue;
      const options = { pgVersion: 16, runner: 'pgtandem' as const, tenantSchemas: { shared: [] } };
      lintMigrationFile(file, { ...options, rules, settings: everyRule, catalog: linted, tableSizes: false });
      replayMigrationFile(file, { pgVersion: 16, catalog: replayed });
      replayFile(schemaLayer, file);
      // Compared now and then, and after the last file: comparing after each would cost more than the linting.
      if (i % 20 === 19 || i === migrations.length - 1) {
        expect(replayed.toData(), file.path).toEqual(linted.toData());
        expect(schemaLayer.toData(), `${file.path} (schema layer)`).toEqual(linted.toData());
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});
