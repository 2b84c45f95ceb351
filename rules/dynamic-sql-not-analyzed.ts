import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';

const DDL = /\b(ALTER|CREATE|DROP|TRUNCATE|REINDEX|VACUUM|CLUSTER|LOCK|RENAME)\b/i;

export default defineRule({
  id: 'dynamic-sql-not-analyzed',
  category: 'correctness',
  severity: 'warn',
  phases: PHASES,
  statementKinds: ['DynamicSql'],
  summary: 'Dynamic SQL (EXECUTE) inside a DO block or function, which no linter can check.',
  why:
    'pgtandem lints the static SQL inside DO blocks and function bodies like any other statement, but a string built at run time and run with EXECUTE ' +
    'is only known when it runs. Migrations often hide their riskiest DDL exactly there (a loop over partitions, a conditional ALTER): every lock and compatibility ' +
    'hazard in it goes unchecked.',
  fix:
    'Write the statement as static SQL where you can (a DO block may hold plain ALTER TABLE statements, and IF EXISTS / IF NOT EXISTS cover most conditions). ' +
    'Where the SQL really must be built at run time, review what it generates for each case and silence this with a reason: -- pgtandem-ignore dynamic-sql-not-analyzed: <why it is safe>.',
  examples: {
    bad: [
      "DO $$\nBEGIN\n  EXECUTE format('ALTER TABLE %I ADD COLUMN archived boolean', 'orders');\nEND $$;\n",
      "CREATE FUNCTION drop_partition(name text) RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(name);\nEND $$;\n",
    ],
    good: [
      'DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = \'mood\') THEN\n    CREATE TYPE mood AS ENUM (\'happy\', \'sad\');\n  END IF;\nEND $$;\n',
      'CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND $$;\n',
      "CREATE FUNCTION count_rows(tbl regclass) RETURNS bigint LANGUAGE plpgsql AS $$\nDECLARE n bigint;\nBEGIN\n  EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n;\n  RETURN n;\nEND $$;\n",
    ],
  },
  check(statement, context) {
    if (statement.kind !== 'DynamicSql') return;
    // Functions build queries at run time as ordinary application logic; only DDL built there is migration work.
    if (statement.container?.kind === 'function' && !DDL.test(statement.text)) return;
    const where = statement.container?.kind === 'do' ? 'this DO block' : 'this function';
    context.report({ message: `EXECUTE in ${where} runs SQL built at run time: pgtandem cannot check it for locks, rewrites or compatibility.` });
  },
});
