#!/usr/bin/env node
// The flags must be set before libpg-query compiles its WASM, so the CLI loads after them.
import { setV8Flags } from '../dist/src/cli/v8-flags.js';

setV8Flags();
const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv);
