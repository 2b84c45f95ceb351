import { PHASES } from '../src/migrations/phase.js';
import { PHASED_FILE_FIX } from '../src/migrations/foreign-tool.js';
import { defineRule } from '../src/lint/rule.js';

// The lint engine reports this rule itself, before the other rules run: a tool
// that runs the file whole makes every section expand, and they are linted so.
export default defineRule({
  id: 'phased-file-in-foreign-folder',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  statementKinds: [],
  summary: 'A -- pgtandem:migrate, contract or abort section in a file another migration tool applies (a Prisma, Drizzle, Flyway, goose, dbmate, golang-migrate, diesel or popx file, or any file in a "history" folder).',
  why:
    'Only pgtandem’s runner runs a section at its deploy stage. The tool that owns the file — `prisma migrate deploy`, `drizzle-kit migrate`, `flyway migrate`, `goose up` … — ' +
    'runs it from top to bottom in one go, before the new release ships: the migrate section’s backfill runs unbatched, contract drops what the running release still reads, ' +
    'and abort undoes what expand just did — on a fresh database the table ends with neither the old nor the new column. The tool also records the file as applied, so nothing ' +
    'runs the sections again later. Each section is therefore linted here as what it really is: expand. pgtandem’s runner refuses to run such a file for the same reason.',
  fix: PHASED_FILE_FIX,
  examples: {
    bad: [
      '-- +goose Up\nALTER TABLE users ADD COLUMN full_name text;\n-- pgtandem:contract\nALTER TABLE users DROP COLUMN name;\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN full_name;\n',
      '-- migrate:up\nCREATE TABLE audit_log (id bigint PRIMARY KEY, note text);\n-- pgtandem:abort\nDROP TABLE audit_log;\n\n-- migrate:down\nDROP TABLE audit_log;\n',
    ],
    good: [
      // A native file: pgtandem’s runner runs each section at its stage.
      '-- pgtandem:expand\nCREATE TABLE audit_log (id bigint PRIMARY KEY, note text);\n-- pgtandem:abort\nDROP TABLE audit_log;\n',
      // An expand marker alone changes nothing: the tool runs the file before the release, as expand.
      '-- +goose Up\n-- pgtandem:expand\nCREATE TABLE audit_log (id bigint PRIMARY KEY, note text);\n',
    ],
  },
  check() {},
});
