/** Types of scripts/findings-dump.mjs for the tests. */
export declare function findingsDump(
  report: { files: { path: string; statements: number }[]; findings: { file: string; line: number; column: number; endLine: number; endColumn: number; rule: string; severity: string; phase: string; message: string; help: string }[] },
  ruleIds: Iterable<string>,
  base: string,
): string;
export declare function compareDumps(expected: string, actual: string): { line: number; expected: string; actual: string } | undefined;
