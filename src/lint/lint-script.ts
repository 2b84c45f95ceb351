import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { ScriptLoadError } from '../errors.js';
import { loadScriptMigration, type ScriptMigration } from '../migrations/load-script.js';
import type { MigrationFile } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import type { Catalog } from '../schema/catalog.js';
import { SourceText } from '../sql/source-text.js';
import type { Finding } from './finding.js';
import { lintMigrationFile, replayMigrationFile, type FileLintOptions, type FileLintResult } from './lint-file.js';
import { docsUrl } from './rule-meta.js';
import { callPlace, scriptSource, type Place, type ScriptSource } from './script-source.js';
import { DEFAULT_SCRIPT_TIMEOUT_MS, recordPhase, type PhaseRecording } from './script-recorder.js';
import type { Severity } from './severity.js';
import type { Span } from './span.js';

export interface ScriptLintOptions extends FileLintOptions {
  /** How long one phase function may run (default 5 s). */
  scriptTimeoutMs?: number;
}

// Loading, running and transaction problems of a script are reported under the rule for code that cannot run.
const SCRIPT_RULE = 'syntax-error';

/**
 * Lints a TypeScript/JavaScript migration: loads it as the runner does, calls
 * each phase export against a recording Kysely (nothing reaches a database),
 * and lints the recorded SQL like a native file's sections — every rule, the
 * catalog (updated in place, as for a `.sql` file), ignores, and the runner's
 * transaction model for scripts (each phase one transaction, nothing split
 * out). Findings point at the `.ts` file, at the call that ran the statement,
 * and name the statement's index in its phase and its SQL. A file that does
 * not load, a phase that throws or never finishes, and a transaction the
 * function opens itself are findings too.
 */
export async function lintScriptMigration(file: MigrationFile, options: ScriptLintOptions): Promise<FileLintResult> {
  const entry = entryPath(file);
  const source = new SourceText(file.text);
  const problems: Finding[] = [];
  const problem = (place: Place, phase: Phase, message: string, help: string, path = file.path): void => {
    const setting = options.settings[SCRIPT_RULE] ?? 'error';
    if (setting === 'off') return;
    problems.push({ rule: SCRIPT_RULE, severity: setting as Severity, file: path, ...place, phase, message, help, docs: docsUrl(SCRIPT_RULE) });
  };

  let loaded: ScriptMigration;
  try {
    loaded = await loadScriptMigration(file);
  } catch (error) {
    if (!(error instanceof ScriptLoadError)) throw error;
    const position = error.position ?? { line: 1, column: 1 };
    // A helper's syntax error points at the helper, whose text the linter does not hold: its position as esbuild gave it.
    const place = error.file === file.path ? placeAt(source, position.line, position.column) : { line: position.line, column: position.column, endLine: position.line, endColumn: position.column };
    problem(place, 'expand', `This migration cannot be loaded: ${error.reason}`, 'Fix the module so that it compiles and its phase exports are functions; nothing in it was linted.', error.file);
    return { findings: problems, statements: 0 };
  }

  const recordings = await recordPhases(loaded, options.scriptTimeoutMs);
  for (const phase of PHASES) {
    const recording = recordings[phase];
    if (!recording) continue;
    const exportName = loaded.phases[phase]!.exportName;
    for (const entryRecorded of recording.recorded) {
      if (entryRecorded.kind !== 'transaction') continue;
      const { place } = callPlace(entryRecorded.stack, loaded.bundle, entry, source);
      problem(
        place,
        phase,
        `${entryRecorded.what} in export ${exportName}: the runner runs a phase function inside its own transaction and refuses to let it begin or end one, so this phase would fail.`,
        'Use db directly: the whole phase is already one transaction (savepoints are fine). Statements that must run outside a transaction (CREATE INDEX CONCURRENTLY) belong in a .sql migration.',
      );
    }
    const outcome = recording.outcome;
    if (outcome.status === 'threw') {
      const error = outcome.error;
      const message = error instanceof Error ? error.message : String(error);
      const stack = error instanceof Error ? (error.stack ?? '') : '';
      const { place, via, found } = callPlace(stack, loaded.bundle, entry, source);
      const at = found ? place : exportPlace(source, exportName);
      problem(
        at,
        phase,
        `export ${exportName} threw${via ? ` (at ${via})` : ''}: ${message}`,
        'The runner would fail this phase the same way. The linter calls phase functions against a database that returns no rows: code that reads data and expects some must handle none. Statements run before the error are linted.',
      );
    } else if (outcome.status === 'timed-out') {
      problem(
        exportPlace(source, exportName),
        phase,
        `export ${exportName} did not finish within ${outcome.afterMs} ms when the linter called it (queries return no rows at once): it waits for something that never comes; only the statements it ran before were linted.`,
        'A phase function should only run its queries; a loop that waits for rows to appear, or a timer, never ends against the linter’s empty results.',
      );
    }
  }

  const built = scriptSource(file, recordings, loaded.bundle, entry);
  const result = lintMigrationFile(built.file, { ...options, place: placer(built) });
  const findings = [...dedupeIgnoreCopies(result.findings, built), ...problems].sort(
    (a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule),
  );
  return { findings, statements: result.statements };
}

/**
 * Replays what a script migration's expand, migrate and contract would do into
 * the catalog, for a migration before the linted ones. One that does not load
 * changes nothing (the history is a help, not a requirement).
 */
export async function replayScriptMigration(catalog: Catalog, file: MigrationFile, pgVersion: number, timeoutMs?: number): Promise<void> {
  let loaded: ScriptMigration;
  try {
    loaded = await loadScriptMigration(file);
  } catch {
    return;
  }
  const recordings = await recordPhases(loaded, timeoutMs, ['expand', 'migrate', 'contract']);
  replayMigrationFile(scriptSource(file, recordings, loaded.bundle, entryPath(file)).file, { catalog, pgVersion });
}

/** The migration's path as its source map names it: esbuild follows symbolic links (a /tmp that is a link, a linked package). */
function entryPath(file: MigrationFile): string {
  const path = resolve(file.script!.file);
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

async function recordPhases(loaded: ScriptMigration, timeoutMs = DEFAULT_SCRIPT_TIMEOUT_MS, phases: readonly Phase[] = PHASES): Promise<Partial<Record<Phase, PhaseRecording>>> {
  const recordings: Partial<Record<Phase, PhaseRecording>> = {};
  for (const phase of phases) {
    const exported = loaded.phases[phase];
    if (exported) recordings[phase] = await recordPhase(exported, timeoutMs);
  }
  return recordings;
}

/** Moves findings from the recorded SQL to the calls in the `.ts` file, naming the statement and its SQL. */
function placer(built: ScriptSource): (finding: Finding, span: Span) => Finding {
  const text = new SourceText(built.file.text);
  const queryAt = (offset: number) => built.queries.find((q) => q.start <= offset && offset < q.end);
  // Rules name other statements by line ("taken at line 3"): lines of the recorded SQL, which the user never sees.
  const relines = (message: string): string =>
    message.replace(/\bline (\d+)\b/g, (whole, line: string) => {
      const query = queryAt(text.offsetAt(Number(line), 1));
      return query ? `line ${query.place.line}, statement ${query.index} of ${query.phase}` : whole;
    });
  return (finding, span) => {
    const comment = built.comments.find((c) => c.copies.some((copy) => copy.start <= span.start && span.start < copy.end));
    if (comment) return { ...finding, ...comment.place };
    const query = queryAt(span.start);
    if (!query) return { ...finding, line: 1, column: 1, endLine: 1, endColumn: 1 };
    return {
      ...finding,
      ...query.place,
      message: `statement ${query.index} of ${query.phase}${query.via ? ` (run in ${query.via})` : ''}: ${relines(finding.message)}`,
      help: `${relines(finding.help)} SQL: ${oneLine(query.sql)}`,
    };
  };
}

/**
 * An ignore comment copied before several statements (one call ran them all)
 * is unused only where every copy was: its unused-ignore findings are kept
 * once, when each copy reported the same.
 */
function dedupeIgnoreCopies(findings: Finding[], built: ScriptSource): Finding[] {
  const counts = new Map<string, number>();
  const keyOf = (f: Finding): string => `${f.line}:${f.column}:${f.message}`;
  const copies = new Map(built.comments.map((c) => [`${c.place.line}:${c.place.column}`, c.copies.length]));
  for (const f of findings) if (f.rule === 'unused-ignore') counts.set(keyOf(f), (counts.get(keyOf(f)) ?? 0) + 1);
  const kept = new Set<string>();
  return findings.filter((f) => {
    if (f.rule !== 'unused-ignore') return true;
    const key = keyOf(f);
    const expected = copies.get(`${f.line}:${f.column}`) ?? 1;
    if ((counts.get(key) ?? 0) < expected || kept.has(key)) return false;
    kept.add(key);
    return true;
  });
}

function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function placeAt(source: SourceText, line: number, utf16Column: number): Place {
  const from = source.position(source.offsetAt(line, utf16Column));
  return { line: from.line, column: from.column, endLine: from.line, endColumn: from.column + 1 };
}

/** Where a phase export is declared (`export async function expand`, `export const expand =`), else 1:1. */
function exportPlace(source: SourceText, name: string): Place {
  const match = new RegExp(`\\bexport\\s+(?:async\\s+)?(?:function\\s*\\*?\\s*|const\\s+|let\\s+|var\\s+)(${name})\\b`).exec(source.text);
  if (!match) return { line: 1, column: 1, endLine: 1, endColumn: 1 };
  const start = match.index + match[0].length - name.length;
  const from = source.position(start);
  const to = source.position(start + name.length);
  return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}
