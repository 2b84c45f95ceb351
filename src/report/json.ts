import type { Finding, LintResult } from '../lint/finding.js';
import { sortFindings } from './sort-findings.js';

/** What `verify --seed` inserted: the rows asked per table, and each table's outcome. */
export interface JsonSeed {
  rows: number;
  tables: { table: string; rows: number; skipped?: string; note?: string }[];
}

/** What `verify --seed` forecast for each backfill of the change (the line `migrate --dry-run` prints). */
export interface JsonForecast {
  file: string;
  line: number;
  text: string;
}

/** What verify adds to a lint result: only from `verify --seed`. */
export interface VerifyExtras {
  seed?: JsonSeed;
  forecasts?: JsonForecast[];
}

/** The `--format json` document (DESIGN.md §6); bump `version` on any breaking change. */
export interface JsonReport {
  version: 1;
  files: { path: string; statements: number }[];
  findings: Finding[];
  summary: { files: number; errors: number; warnings: number; baseline?: { version: string; files: number } };
  /** Only from `verify --seed`. */
  seed?: JsonSeed;
  /** Only from `verify --seed`: one per backfill of the change. */
  forecasts?: JsonForecast[];
}

/**
 * The machine-readable report. Objects are rebuilt key by key so that extra fields on
 * the inputs (file text, layout) never leak into the contract and key order is stable.
 */
export function formatJson(result: LintResult & VerifyExtras): string {
  const report: JsonReport = {
    version: 1,
    files: result.files.map((file) => ({ path: file.path, statements: file.statements })),
    findings: sortFindings(result).map(toJsonFinding),
    summary: {
      files: result.summary.files,
      errors: result.summary.errors,
      warnings: result.summary.warnings,
      ...(result.summary.baseline ? { baseline: { version: result.summary.baseline.version, files: result.summary.baseline.files } } : {}),
    },
  };
  if (result.seed) {
    report.seed = {
      rows: result.seed.rows,
      tables: result.seed.tables.map((t) => ({ table: t.table, rows: t.rows, ...(t.skipped !== undefined ? { skipped: t.skipped } : {}), ...(t.note !== undefined ? { note: t.note } : {}) })),
    };
  }
  if (result.forecasts) report.forecasts = result.forecasts.map((f) => ({ file: f.file, line: f.line, text: f.text }));
  return `${JSON.stringify(report, null, 2)}\n`;
}

function toJsonFinding(finding: Finding): Finding {
  return {
    rule: finding.rule,
    severity: finding.severity,
    file: finding.file,
    line: finding.line,
    column: finding.column,
    endLine: finding.endLine,
    endColumn: finding.endColumn,
    phase: finding.phase,
    message: finding.message,
    help: finding.help,
    docs: finding.docs,
  };
}
