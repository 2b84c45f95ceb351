import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';

export default defineRule({
  id: 'syntax-error',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  statementKinds: ['Invalid'],
  summary: 'A statement PostgreSQL cannot parse, a file that is not UTF-8 text, an unknown section marker, or a TypeScript migration that cannot load or run.',
  why:
    'The migration will fail at this statement, and whatever ran before it in a non-transactional migration stays applied. ' +
    'pgtandem parses with the real PostgreSQL grammar, so what fails here fails on the server. The other statements of the file are still linted. ' +
    'A TypeScript migration is linted by calling its phase functions: one that does not compile, throws, never finishes, or opens a transaction of its own (the runner refuses that) fails the same way when the runner calls it.',
  fix: 'Correct the statement at the reported position; if the file is a template (placeholders such as {{ … }} or ${…} are understood), check what the template renders.',
  examples: {
    bad: [
      'ALTER TABLE users ADD COLUMN email text;\nALTER TABEL users DROP COLUMN legacy;\n',
      // A misspelt section marker would leave the DROP in expand without a word.
      'ALTER TABLE users ADD COLUMN email text;\n-- pgtandem:contrat\nALTER TABLE users DROP COLUMN legacy;\n',
    ],
    good: [
      'ALTER TABLE users ADD COLUMN email text;\n',
      "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now(); -- semicolons inside the body are fine\n  RETURN NEW;\nEND;\n$$;\n",
    ],
  },
  check(statement, context) {
    if (!statement.error) return;
    const offset = statement.error.offset;
    const token = statement.tokens.find((t) => t.start <= offset && offset < t.end) ?? statement.tokens.find((t) => t.start >= offset);
    context.report({
      message: `PostgreSQL cannot parse this statement: ${statement.error.message}`,
      span: token ? { start: token.start, end: token.end } : { start: statement.end, end: statement.end },
    });
  },
});
