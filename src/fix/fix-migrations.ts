import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultConfig, loadConfig } from '../lint/config.js';
import { HistoryCatalogs } from '../lint/history-catalogs.js';
import { historyRoot } from '../lint/history.js';
import type { Finding, LintResult } from '../lint/finding.js';
import { lint, rules, type LintOptions } from '../lint/lint.js';
import { readMigrationSource } from '../migrations/discover.js';
import { LAYOUTS, type Layout } from '../migrations/migration.js';
import { fixFile, NEXT_PASS, type FileFix } from './fix-file.js';
import { recipes } from './fixers/recipes.js';

export interface FixResult {
  /** The lint result the fixes were made from. */
  lint: LintResult;
  /** One entry per linted file with findings; `after` equals `before` when nothing could be fixed. */
  files: FileFix[];
}

const SCRIPT = /\.[cm]?[jt]s$/;

/**
 * Lints, then computes the mechanical fixes of the findings, file by file.
 * Writes nothing: the caller writes `after` (or prints a diff).
 */
export async function fixMigrations(options: LintOptions = {}): Promise<FixResult> {
  const result = await lint(options);
  const cwd = options.cwd ?? process.cwd();
  const loaded =
    options.configFile === false
      ? defaultConfig()
      : (await loadConfig({ cwd, knownRules: rules.map((r) => r.id), ...(options.configFile ? { explicitPath: options.configFile } : {}) })).config;
  const assumeInTransaction = options.config?.assumeInTransaction ?? loaded.assumeInTransaction;
  const pgVersion = options.config?.pgVersion ?? loaded.pgVersion;
  const byFile = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    let list = byFile.get(finding.file);
    if (!list) byFile.set(finding.file, (list = []));
    list.push(finding);
  }
  const files: FileFix[] = [];
  const histories = new HistoryCatalogs();
  for (const linted of result.files) {
    const findings = byFile.get(linted.path);
    if (!findings) continue;
    if (SCRIPT.test(linted.path)) {
      files.push({ path: linted.path, before: linted.text, after: linted.text, fixed: [], unfixed: findings.map((finding) => ({ finding, reason: 'a TypeScript/JavaScript migration: fix the SQL it builds by hand' })), created: [] });
      continue;
    }
    const layout = (LAYOUTS as readonly string[]).includes(linted.layout) ? (linted.layout as Layout) : undefined;
    const read = (text: string) => readMigrationSource(linted.path, text, { assumeInTransaction }, layout);
    // A recipe rewrite reads the schema before the file: its folder's earlier migrations, replayed.
    const catalog = findings.some((f) => recipes.rules.includes(f.rule)) ? await histories.before(resolve(cwd, linted.path), linted.text) : undefined;
    const fixOptions = { ...(catalog ? { catalog } : {}), siblings: siblingNames(resolve(cwd, historyRoot(read(linted.text)))) };
    const { paths: _paths, changes: _changes, ...alone } = options;
    const relint = (text: string) => lint({ ...alone, all: true, sources: [{ path: linted.path, text, ...(layout ? { layout } : {}) }], ...(catalog ? { catalog } : {}) });
    let first = fixFile(read(linted.text), findings.filter((f) => !LAST.has(f.rule)), pgVersion, fixOptions);
    // Rewrites into phases go one per pass: the findings that waited are found again in the rewritten text.
    for (let waiting = first.unfixed.filter((u) => u.reason === NEXT_PASS); waiting.length > 0; ) {
      const wanted = new Set(waiting.map((u) => `${u.finding.rule}\0${u.finding.message}`));
      const again = (await relint(first.after)).findings.filter((f) => wanted.has(`${f.rule}\0${f.message}`));
      const next = fixFile(read(first.after), again, pgVersion, fixOptions);
      const kept = first.unfixed.filter((u) => u.reason !== NEXT_PASS);
      if (next.fixed.length === 0) {
        first = { ...first, unfixed: [...kept, ...waiting] };
        break;
      }
      first = { ...first, after: next.after, fixed: [...first.fixed, ...next.fixed], unfixed: [...kept, ...next.unfixed], created: [...first.created, ...next.created] };
      waiting = next.unfixed.filter((u) => u.reason === NEXT_PASS);
    }
    const timeouts = findings.filter((f) => LAST.has(f.rule));
    if (timeouts.length === 0) {
      files.push(first);
      continue;
    }
    // The timeouts go before the first statement that still blocks traffic once the other fixes are in:
    // a statement_timeout sized for a brief lock must not land before a CREATE INDEX CONCURRENTLY.
    const relinted = await relint(first.after);
    const second = fixFile(read(first.after), relinted.findings.filter((f) => LAST.has(f.rule)), pgVersion);
    const stillOpen = new Set(second.unfixed.map((u) => u.finding.rule));
    files.push({
      path: linted.path,
      before: linted.text,
      after: second.after,
      fixed: [...first.fixed, ...timeouts.filter((f) => !stillOpen.has(f.rule))],
      unfixed: [...first.unfixed, ...second.unfixed],
      created: [...first.created, ...second.created],
    });
  }
  return { lint: result, files };
}

/** The names in a migration folder (none when it is not on disk: in-memory sources). */
function siblingNames(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** Fixed after the others, against their result. */
const LAST = new Set(['require-lock-timeout', 'require-statement-timeout']);
