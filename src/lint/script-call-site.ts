import { SourceMap } from 'node:module';
import type { ScriptBundle } from '../migrations/load-script.js';

/** A place in a file the user wrote: absolute path, 1-based line, 1-based column in UTF-16 code units (as V8 and source maps count). */
export interface CallSite {
  file: string;
  line: number;
  column: number;
}

// Frames between a Kysely builder's execute() and the plugin that captures the stack; helpers add more.
const STACK_DEPTH = 64;

/** The current stack as text, deep enough to reach the migration's frames below Kysely's. */
export function captureStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = STACK_DEPTH;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureStack);
  Error.stackTraceLimit = limit;
  return holder.stack ?? '';
}

const maps = new WeakMap<ScriptBundle, SourceMap>();

/**
 * The frames of a stack that run code of the bundle, innermost first, mapped
 * through its source map to the files the user wrote (the migration or a
 * helper it imports). Node's own source-map support does not map modules
 * loaded from a data: URL, so the map is read here.
 */
export function bundleFrames(stack: string, bundle: ScriptBundle): CallSite[] {
  let map = maps.get(bundle);
  if (!map) maps.set(bundle, (map = new SourceMap(bundle.sourceMap)));
  const sites: CallSite[] = [];
  const names = [`${bundle.sourceUrl}:`, `${bundle.moduleUrl}:`];
  for (const line of stack.split('\n')) {
    const name = names.find((n) => line.includes(n));
    if (!name) continue;
    const position = /^(\d+):(\d+)/.exec(line.slice(line.lastIndexOf(name) + name.length));
    if (!position) continue;
    const entry = map.findEntry(Number(position[1]) - 1, Number(position[2]) - 1);
    if (!('originalSource' in entry)) continue;
    sites.push({ file: entry.originalSource, line: entry.originalLine + 1, column: entry.originalColumn + 1 });
  }
  return sites;
}
