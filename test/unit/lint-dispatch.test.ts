import { describe, expect, it } from 'vitest';
import { lintMigrationFile } from '../../src/lint/lint-file.js';
import { defineRule, type Rule } from '../../src/lint/rule.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import { readMigrationSource } from '../../src/migrations/discover.js';

// The engine hands a statement only to the rules that subscribe to its kind
// (statementKinds); a rule without the list sees every statement, and a
// statement that does not parse goes to syntax-error alone.
function recorder(id: string, statementKinds?: readonly string[]): { rule: Rule; seen: string[] } {
  const seen: string[] = [];
  const rule = defineRule({
    id,
    category: 'lock',
    severity: 'warn',
    phases: ['expand', 'migrate', 'contract', 'abort'],
    ...(statementKinds ? { statementKinds } : {}),
    summary: id,
    why: id,
    fix: id,
    examples: { bad: [], good: [] },
    check(statement, context) {
      seen.push(`${statement.kind} in ${context.phase}`);
    },
  });
  return { rule, seen };
}

const SQL = [
  '-- pgtandem:expand',
  'CREATE TABLE t (id bigint);',
  'CREATE INDEX CONCURRENTLY t_id ON t (id);',
  'ALTER TABLE t ADD COLUMN n text;',
  'ALTER TABLE t ADD COLUMN;',
  '-- pgtandem:abort',
  'DROP INDEX CONCURRENTLY t_id;',
  '',
].join('\n');

describe('statement kinds', () => {
  it('a rule sees the statements of its kinds only; one without kinds sees every statement that parsed', async () => {
    await loadParser();
    const file = readMigrationSource('migrations/0001_t.sql', SQL);
    const index = recorder('index-only', ['IndexStmt', 'DropStmt']);
    const every = recorder('every-statement');
    const none = recorder('no-statement', []);
    lintMigrationFile(file, { rules: [index.rule, every.rule, none.rule], settings: {}, pgVersion: 16 });
    expect(index.seen).toEqual(['IndexStmt in expand', 'DropStmt in abort']);
    expect(every.seen).toEqual(['CreateStmt in expand', 'IndexStmt in expand', 'AlterTableStmt in expand', 'DropStmt in abort']);
    expect(none.seen).toEqual([]);
  });
});
