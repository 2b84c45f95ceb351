/**
 * pgtandem's library API. `lint()` returns findings and never prints or exits;
 * the reporters turn a result into text for whichever output you need.
 */
export { lint, rules, type LintOptions, type LintSource } from './lint/lint.js';
export type { Finding, LintResult, LintedFile, LintSummary } from './lint/finding.js';
export type { RuleMeta, RuleCategory } from './lint/rule-meta.js';
export { defineRule, type Rule, type RuleContext, type ReportInput } from './lint/rule.js';
export type { Severity, RuleSetting } from './lint/severity.js';
export type { PgtandemConfig } from './lint/config.js';
export { formatResult, FORMATS, type Format, type FormatOptions } from './report/format.js';
export { discoverMigrations, readMigrationSource, DiscoveryError, type Discovery } from './migrations/discover.js';
export type { MigrationFile, MigrationScript, ScriptLanguage, Layout, Segment } from './migrations/migration.js';
export { PHASES, type Phase } from './migrations/phase.js';
export { PgtandemError, ConfigError, UsageError, GitError, ConnectionError, RunnerError, InterruptedError, ScriptLoadError, type ErrorCode } from './errors.js';
export { runPhase, type PhaseRunOptions, type PhaseRunResult } from './runner/run-phase.js';
export { planPhase, type Action, type PhasePlan } from './runner/plan.js';
export { statusReport, type MigrationStatus, type StatusReport } from './runner/status.js';
export { rerunAdvice } from './runner/rerun-advice.js';
export { baseline, type BaselineOptions, type BaselineResult } from './adopt/baseline.js';
export { discoverProject, type ProjectMigrations } from './migrations/project.js';
export { MigrationState, type MigrationRecord, type MigrationStateName } from './runner/state.js';
export type { RunnerEvent } from './runner/events.js';
export { runnerSettings, type RunnerSettings } from './runner/settings.js';
export { Catalog, catalogKey } from './schema/catalog.js';
export type { ObjectName, TableInfo, ColumnInfo, ConstraintInfo, ConstraintKind, IndexInfo, EnumInfo, ViewInfo, SequenceInfo } from './schema/catalog.js';
export { replayMigrations, replayStatement, type ReplayOptions } from './schema/replay-catalog.js';
export { verify, type VerifyOptions, type VerifyResult } from './verify/verify.js';
export type { StatementTrace, TracedLock } from './verify/trace.js';
export type { SeedReport, SeededTable } from './verify/seed.js';
export { loadQueryFile, type QueryFile, type Query } from './verify/queries.js';
export type { ChangeSelection } from './verify/select-change.js';
