import type { Finding } from '../../src/lint/finding.js';

/**
 * The linter core's first rules. Tests of the engine's mechanics (positions,
 * transactions, ignores, created objects) assert exact finding lists written
 * against these; later rules add findings of their own that those tests are
 * not about, and each later rule has tests of its own.
 */
export const CORE_RULES = new Set([
  'syntax-error',
  'unused-ignore',
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'ban-concurrent-index-creation-in-transaction',
  'adding-required-field',
  'renaming-column',
  'renaming-table',
  'ban-drop-column',
  'ban-drop-table',
  'adding-foreign-key-constraint',
  'constraint-missing-not-valid',
]);

export function coreFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => CORE_RULES.has(f.rule));
}
