#!/usr/bin/env node
// The flags must be set before libpg-query compiles its WASM, so the CLI loads after them.
import { existsSync } from 'node:fs';
import { setV8Flags } from '../dist/src/cli/v8-flags.js';

setV8Flags();
// The bundled CLI starts faster; the module tree is the fallback (scripts/bundle-cli.mjs).
const bundle = new URL('../dist/src/cli/bundle/main.mjs', import.meta.url);
const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/src/cli/main.js');
process.exitCode = await main(process.argv);
