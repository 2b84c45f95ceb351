import type { Fixer } from '../fixer.js';

/** What a file sets when it sets nothing: the runner's lock_timeout, and a statement_timeout that bounds a blocking statement. */
const VALUES: Record<string, { setting: string; value: string }> = {
  'require-lock-timeout': { setting: 'lock_timeout', value: '2s' },
  'require-statement-timeout': { setting: 'statement_timeout', value: '30s' },
};

/** require-lock-timeout and require-statement-timeout: a SET on the line before the statement that needs it (a later SET overrides a disabled one). */
export const timeouts: Fixer = {
  rules: Object.keys(VALUES),
  fix(target) {
    const { setting, value } = VALUES[target.finding.rule]!;
    const text = target.file.text;
    const start = target.statement.start;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const indent = text.slice(lineStart, start);
    const at = /^[ \t]*$/.test(indent) ? lineStart : start;
    return { edits: [{ start: at, end: at, text: `${at === lineStart ? indent : ''}SET ${setting} = '${value}';\n${at === lineStart ? '' : indent}` }] };
  },
};
