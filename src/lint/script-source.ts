import type { MigrationFile, Segment } from '../migrations/migration.js';
import { PHASES, type Phase } from '../migrations/phase.js';
import { inlineParameters } from '../sql/inline-parameters.js';
import { SourceText } from '../sql/source-text.js';
import type { ScriptBundle } from '../migrations/load-script.js';
import { bundleFrames, type CallSite } from './script-call-site.js';
import type { PhaseRecording, RecordedQuery } from './script-recorder.js';

/** A range of the user's file, 1-based, columns in code points (as findings count). */
export interface Place {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One recorded query in the SQL the linter reads, and where the user's code ran it. */
export interface SourceQuery {
  phase: Phase;
  /** 1-based, among the phase's queries. */
  index: number;
  sql: string;
  /** Its text in the synthetic SQL, from its first character to past its `;`. */
  start: number;
  end: number;
  place: Place;
  /** When the innermost frame was in a helper module: that frame, relative path and position. */
  via: string | undefined;
}

/** A `// pgtandem-ignore` comment of the user's file, copied as a SQL comment before each statement it targets. */
export interface SourceComment {
  place: Place;
  /** Its copies' ranges in the synthetic SQL. */
  copies: { start: number; end: number }[];
}

/** A script migration's recorded SQL laid out as a native migration's text, with the way back to the `.ts` file. */
export interface ScriptSource {
  /** Same path, layout and `script` as the migration; text and segments are the recorded SQL, one segment per phase. */
  file: MigrationFile;
  queries: SourceQuery[];
  comments: SourceComment[];
}

const IGNORE = /^[ \t]*\/\/[ \t]*((?:pgtandem|squawk)-ignore(-file)?(?![\w-]).*?)\s*$/;

/**
 * Lays out each phase's recorded queries as statements of a native file
 * (`<sql>\n;\n`, phases in the order expand, migrate, contract, abort), so that
 * the lint engine, the catalog replay and the transaction model read them as
 * they read a `.sql` migration. `$n` parameters are inlined as literals.
 *
 * `// pgtandem-ignore <rules>: <reason>` on a line of its own applies to the
 * statements run by the next call below it (each statement of that call
 * receives a copy); `// pgtandem-ignore-file` applies to the whole file.
 */
export function scriptSource(file: MigrationFile, recordings: Partial<Record<Phase, PhaseRecording>>, bundle: ScriptBundle | undefined, entry: string): ScriptSource {
  const source = new SourceText(file.text);
  const lines = file.text.split(/\r\n|\r|\n/);
  const directives = lines.flatMap((line, i) => {
    const match = IGNORE.exec(line);
    if (!match) return [];
    const column = line.indexOf('//') + 1;
    const place = placeOf(source, i + 1, column, line.length + 1);
    return [{ line: i + 1, text: `-- ${match[1]}`, fileScope: match[2] !== undefined, comment: { place, copies: [] } as SourceComment }];
  });
  const statementDirectives = directives.filter((d) => !d.fileScope);

  type Pending = { phase: Phase; recorded: RecordedQuery; site: { place: Place; via: string | undefined; found: boolean } };
  const pending: Pending[] = [];
  for (const phase of PHASES) {
    for (const recorded of recordings[phase]?.recorded ?? []) {
      if (recorded.kind === 'query') pending.push({ phase, recorded, site: callPlace(recorded.stack, bundle, entry, source) });
    }
  }
  // A statement comment targets the first call line below it that ran a statement.
  const targets = new Map<number, typeof statementDirectives>();
  const orphans: typeof statementDirectives = [];
  const callLines = [...new Set(pending.filter((p) => p.site.found).map((p) => p.site.place.line))].sort((a, b) => a - b);
  for (const directive of statementDirectives) {
    const line = callLines.find((l) => l > directive.line);
    if (line === undefined) orphans.push(directive);
    else targets.set(line, [...(targets.get(line) ?? []), directive]);
  }

  let text = '';
  const segments: Segment[] = [];
  const queries: SourceQuery[] = [];
  const emitComment = (directive: { text: string; comment: SourceComment }): void => {
    directive.comment.copies.push({ start: text.length, end: text.length + directive.text.length });
    text += `${directive.text}\n`;
  };
  const fileDirectives = directives.filter((d) => d.fileScope);
  for (const phase of PHASES) {
    const ofPhase = pending.filter((p) => p.phase === phase);
    if (ofPhase.length === 0) continue;
    const start = text.length;
    if (segments.length === 0) fileDirectives.forEach(emitComment);
    ofPhase.forEach(({ recorded, site }, i) => {
      for (const directive of targets.get(site.place.line) ?? []) emitComment(directive);
      const sql = inlineParameters(recorded.sql, recorded.parameters).trim().replace(/;+$/, '');
      const at = text.length;
      // The `;` on a line of its own: a trailing -- comment in the SQL cannot swallow it.
      text += `${sql}\n;\n`;
      queries.push({ phase, index: i + 1, sql, start: at, end: text.length, place: site.place, via: site.via });
    });
    segments.push({ phase, start, end: text.length });
  }
  // Comments with nothing to apply to still reach the engine, which reports them as unused.
  const leftover = [...(segments.length === 0 ? fileDirectives : []), ...orphans];
  if (leftover.length > 0) {
    const last = segments.at(-1);
    const start = text.length;
    leftover.forEach(emitComment);
    if (last) last.end = text.length;
    else segments.push({ phase: 'expand', start, end: text.length });
  }

  const synthetic: MigrationFile = { ...file, text, segments };
  delete synthetic.readProblem;
  return { file: synthetic, queries, comments: directives.map((d) => d.comment) };
}

/**
 * Where the user's code ran a query: the innermost frame in the migration file
 * itself (a call into a helper points at the migration's line that called
 * it, the helper's own line is named in `via`). Columns are exact: V8 reports
 * a method call at its name (`execute`), which the source map keeps.
 */
export function callPlace(stack: string, bundle: ScriptBundle | undefined, entry: string, source: SourceText): { place: Place; via: string | undefined; found: boolean } {
  const frames = bundle ? bundleFrames(stack, bundle) : [];
  const own = frames.find((f) => f.file === entry);
  const inner = frames[0];
  const via = inner && inner !== own ? describeSite(inner) : undefined;
  if (!own) return { place: { line: 1, column: 1, endLine: 1, endColumn: 1 }, via, found: false };
  return { place: identifierPlace(source, own), via, found: true };
}

/** The call site as a range over the identifier there (`execute`), in code points. */
function identifierPlace(source: SourceText, site: CallSite): Place {
  const start = source.offsetAt(site.line, site.column);
  let end = start;
  while (end < source.text.length && /[\w$]/.test(source.text[end]!)) end++;
  const from = source.position(start);
  const to = source.position(Math.max(end, start + 1));
  return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}

function placeOf(source: SourceText, line: number, utf16Column: number, utf16EndColumn: number): Place {
  const from = source.position(source.offsetAt(line, utf16Column));
  const to = source.position(source.offsetAt(line, utf16EndColumn));
  return { line: from.line, column: from.column, endLine: to.line, endColumn: Math.max(to.column, from.column) };
}

function describeSite(site: CallSite): string {
  const cwd = process.cwd();
  const path = site.file.startsWith(`${cwd}/`) ? site.file.slice(cwd.length + 1) : site.file;
  return `${path}:${site.line}:${site.column}`;
}
