export type Severity = 'error' | 'warn';
export type RuleSetting = Severity | 'off';
