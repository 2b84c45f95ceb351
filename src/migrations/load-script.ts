import { isBuiltin, type SourceMapPayload } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import { ScriptLoadError } from '../errors.js';
import type { MigrationFile, ScriptLanguage } from './migration.js';
import { PHASES, type Phase } from './phase.js';

/** What a script migration exports for a phase. */
export type PhaseFunction = (db: Kysely<any>) => unknown;

/** The export that runs one phase of a script migration. */
export interface ScriptPhase {
  /** `expand`, `migrate`, `contract`, `abort`, or `up` (which counts as expand). */
  exportName: string;
  language: ScriptLanguage;
  run: PhaseFunction;
}

/** A loaded TypeScript or JavaScript migration: per phase, the function that runs it; an absent phase is an empty section. */
export interface ScriptMigration {
  phases: Partial<Record<Phase, ScriptPhase>>;
  bundle: ScriptBundle;
}

/**
 * The in-memory module a script migration was bundled into, to map its stack
 * frames back to the files the user wrote: frames of the bundle name
 * `sourceUrl` (a `//# sourceURL` comment, so that a stack does not carry the
 * whole data: URL), with line:column in the bundle.
 */
export interface ScriptBundle {
  sourceUrl: string;
  /** The data: URL the module was imported from: frames name it instead where the `//# sourceURL` comment is not honoured (a test runner's loader). */
  moduleUrl: string;
  /** esbuild's source map of the bundle (version 3), its `sources` made absolute paths. */
  sourceMap: SourceMapPayload;
}

let bundles = 0;

// Set on the resolutions the plugin asks esbuild for itself, so it does not answer its own questions.
const INNER = Symbol('pgtandem inner resolve');
// pgtandem's own install: where `kysely` is found when the user's project has none.
const OWN_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Loads a script migration: esbuild bundles the file with its relative
 * imports (TypeScript helpers included) into one ES module held in memory,
 * with every package import pinned to the file it resolves to from the
 * migration's own directory — as if the file ran where it is — falling back to
 * pgtandem's install (so `import { sql } from 'kysely'` works in a project
 * without kysely). Nothing is written anywhere. Loading runs the module's top
 * level, never its phase functions. Throws {@link ScriptLoadError} naming the
 * file (with line:column for syntax and resolution errors).
 */
export async function loadScriptMigration(file: MigrationFile): Promise<ScriptMigration> {
  const script = file.script;
  if (!script) throw new ScriptLoadError(file.path, 'not a TypeScript or JavaScript migration');
  const built = await bundle(file.path, script.file);
  const sourceUrl = `pgtandem-bundle/${++bundles}/${encodeURIComponent(basename(script.file))}`;
  const code = `${built.code}\n//# sourceURL=${sourceUrl}\n`;
  const moduleUrl = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
  let module: Record<string, unknown>;
  try {
    module = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    throw new ScriptLoadError(file.path, `cannot load: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
  return { phases: phaseExports(file, script.language, module), bundle: { sourceUrl, moduleUrl, sourceMap: built.sourceMap } };
}

/**
 * Loads a TypeScript or JavaScript module of the project (a plugin's lint rules) the way
 * script migrations are loaded: bundled with esbuild, imported from memory. Errors name `displayPath`.
 */
export async function importProjectModule(displayPath: string, entry: string): Promise<Record<string, unknown>> {
  const built = await bundle(displayPath, entry);
  const code = `${built.code}\n//# sourceURL=pgtandem-bundle/${++bundles}/${encodeURIComponent(basename(entry))}\n`;
  try {
    return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
  } catch (error) {
    throw new ScriptLoadError(displayPath, `cannot load: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
  }
}

async function bundle(displayPath: string, entry: string): Promise<{ code: string; sourceMap: SourceMapPayload }> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    throw new ScriptLoadError(displayPath, 'TypeScript and JavaScript migrations need the package esbuild, which is not installed', undefined, { cause: error });
  }
  const url = pathToFileURL(entry).href;
  // esbuild names the map's sources relative to its working directory.
  const cwd = process.cwd();
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: cwd,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Node's own conditions only (esbuild adds "module" by default, which Node ignores).
      conditions: [],
      sourcemap: 'inline',
      logLevel: 'silent',
      // The module runs from memory: it still sees its own location.
      define: {
        'import.meta.url': JSON.stringify(url),
        'import.meta.filename': JSON.stringify(entry),
        'import.meta.dirname': JSON.stringify(dirname(entry)),
      },
      plugins: [
        {
          name: 'pgtandem-packages',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, async (args) => {
              if (args.pluginData === INNER || args.kind === 'entry-point' || isBuiltin(args.path)) return undefined;
              const ask = (resolveDir: string) => build.resolve(args.path, { kind: args.kind, resolveDir, importer: args.importer, pluginData: INNER });
              let found = await ask(args.resolveDir);
              if (found.errors.length > 0) {
                const own = await ask(OWN_DIR);
                if (own.errors.length === 0) found = own;
              }
              if (found.errors.length > 0) return { errors: found.errors };
              if (found.external) return { path: found.path, external: true };
              // An absolute specifier: a module held in memory (a data: URL) cannot resolve bare or relative ones.
              return { path: args.kind === 'require-call' ? found.path : pathToFileURL(found.path).href, external: true };
            });
          },
        },
      ],
    });
    const code = result.outputFiles[0]?.text ?? '';
    const sourceMap = inlineSourceMap(code, cwd);
    // A CommonJS helper calling require(): esbuild's shim needs a real require, resolving from the migration's folder.
    if (!code.includes('Dynamic require of')) return { code, sourceMap };
    // Two lines more at the top: the map's first two lines map nothing.
    const shim = `import { createRequire as __pgtandemCreateRequire } from 'node:module';\nconst require = __pgtandemCreateRequire(${JSON.stringify(url)});\n`;
    return { code: shim + code, sourceMap: { ...sourceMap, mappings: `;;${sourceMap.mappings}` } };
  } catch (error) {
    const first = (error as { errors?: import('esbuild').Message[] }).errors?.[0];
    if (!first) throw new ScriptLoadError(displayPath, `cannot load: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
    const location = first.location;
    const where = location && resolve(location.file) !== entry ? relative(process.cwd(), resolve(location.file)) || location.file : displayPath;
    const position = location ? { line: location.line, column: Buffer.from(location.lineText).subarray(0, location.column).toString('utf8').length + 1 } : undefined;
    throw new ScriptLoadError(where, first.text, position, { cause: error });
  }
}

/** The source map esbuild appended to the bundle (`sourcemap: 'inline'`). */
function inlineSourceMap(code: string, cwd: string): SourceMapPayload {
  const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
  const map = (match ? JSON.parse(Buffer.from(match[1]!, 'base64').toString('utf8')) : { version: 3, sources: [], names: [], mappings: '' }) as SourceMapPayload;
  return { ...map, sources: map.sources.map((source) => resolve(cwd, source)) };
}

/**
 * The phase functions among a module's exports. A CommonJS module's
 * `module.exports` arrives as the default export. `up` counts as expand;
 * `down` and any other export are ignored.
 */
function phaseExports(file: MigrationFile, language: ScriptLanguage, module: Record<string, unknown>): Partial<Record<Phase, ScriptPhase>> {
  const names = [...PHASES, 'up'] as const;
  const fallback = module.default;
  const exports =
    !names.some((name) => name in module) && typeof fallback === 'object' && fallback !== null ? (fallback as Record<string, unknown>) : module;
  const phases: Partial<Record<Phase, ScriptPhase>> = {};
  for (const name of names) {
    const value = exports[name];
    if (value === undefined) continue;
    if (typeof value !== 'function') {
      throw new ScriptLoadError(file.path, `export ${name} is not a function (it is ${value === null ? 'null' : typeof value}); a phase export is async (db: Kysely<any>) => void`);
    }
    const phase: Phase = name === 'up' ? 'expand' : name;
    if (phases[phase]) throw new ScriptLoadError(file.path, 'exports both up and expand; up counts as expand: keep one');
    phases[phase] = { exportName: name, language, run: value as PhaseFunction };
  }
  if (Object.keys(phases).length === 0) {
    throw new ScriptLoadError(file.path, 'exports none of expand, migrate, contract, abort (or up): nothing to run');
  }
  return phases;
}
