import { setFlagsFromString } from 'node:v8';

/**
 * V8 flags for a CLI run; set them before libpg-query compiles its WASM.
 *
 * V8 tiers hot WASM functions up to optimized code on background threads.
 * libpg-query's grammar is one huge function: after the first parse V8
 * spends some 150–200 ms of CPU re-compiling it, which on a 2-core machine
 * takes the CPU from the main thread and delays exit (a one-file lint went
 * from ~610 to ~510 ms), and over a whole corpus the optimized code never
 * pays that back (lint used less CPU without it). So the CLI keeps WASM at
 * the baseline tier. The flags are process-wide: the library leaves them to
 * its host.
 */
export function setV8Flags(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}
