/** `info` findings never fail a run; they are notes (SARIF `note`, GitHub `notice`). */
export type Severity = 'error' | 'warn' | 'info';
export type RuleSetting = Severity | 'off';
