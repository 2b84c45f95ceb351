import { PHASES } from '../src/migrations/phase.js';
import type { ObjectKind } from '../src/lint/created-objects.js';
import { alterTableCommands, columnConstraints, columnDefOf, constraintOf } from '../src/lint/alter-table.js';
import { objectName } from '../src/lint/object-names.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { sameName } from '../src/lint/same-name.js';
import { sectionStatements } from '../src/lint/section-statements.js';
import { findWords, type Span } from '../src/lint/span.js';
import { displayName, nameOfList, quoteIdent, stringValue, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

interface Drop {
  kind: ObjectKind;
  /** The object, or for members (columns, constraints, triggers, policies) their table. */
  name: QualifiedName;
  member?: string;
  span: Span | undefined;
}

const DROP_KINDS: Partial<Record<string, { kind: ObjectKind; words: readonly string[] }>> = {
  OBJECT_TABLE: { kind: 'table', words: ['DROP', 'TABLE'] },
  OBJECT_INDEX: { kind: 'index', words: ['DROP', 'INDEX'] },
  OBJECT_TYPE: { kind: 'type', words: ['DROP', 'TYPE'] },
  OBJECT_DOMAIN: { kind: 'type', words: ['DROP', 'DOMAIN'] },
  OBJECT_SEQUENCE: { kind: 'sequence', words: ['DROP', 'SEQUENCE'] },
  OBJECT_SCHEMA: { kind: 'schema', words: ['DROP', 'SCHEMA'] },
  OBJECT_VIEW: { kind: 'view', words: ['DROP', 'VIEW'] },
  OBJECT_MATVIEW: { kind: 'view', words: ['DROP', 'MATERIALIZED', 'VIEW'] },
  OBJECT_FUNCTION: { kind: 'function', words: ['DROP', 'FUNCTION'] },
  OBJECT_PROCEDURE: { kind: 'function', words: ['DROP', 'PROCEDURE'] },
  OBJECT_TRIGGER: { kind: 'trigger', words: ['DROP', 'TRIGGER'] },
  OBJECT_POLICY: { kind: 'policy', words: ['DROP', 'POLICY'] },
};

/** What a statement drops: DROP … lists and ALTER TABLE … DROP COLUMN / DROP CONSTRAINT. */
function dropsOf(statement: Statement): Drop[] {
  const drop = nodeOf(statement, 'DropStmt');
  if (drop) {
    const meta = drop.removeType ? DROP_KINDS[drop.removeType] : undefined;
    if (!meta) return [];
    const span = findWords(statement, meta.words);
    return (drop.objects ?? []).flatMap((object): Drop[] => {
      if (meta.kind === 'trigger' || meta.kind === 'policy') {
        // DROP TRIGGER t ON s.tbl: the list is [s, tbl, t].
        const parts = 'List' in object ? (object.List.items ?? []) : [];
        const table = nameOfList(parts.slice(0, -1));
        const member = stringValue(parts[parts.length - 1]);
        return table && member ? [{ kind: meta.kind, name: table, member, span }] : [];
      }
      const name = objectName(object);
      return name ? [{ kind: meta.kind, name, span }] : [];
    });
  }
  return alterTableCommands(statement).flatMap((command): Drop[] => {
    const { table, cmd, onTable } = command;
    if (!onTable || !cmd.name) return [];
    const kind = cmd.subtype === 'AT_DropColumn' ? 'column' : cmd.subtype === 'AT_DropConstraint' ? 'constraint' : undefined;
    if (!kind) return [];
    return [
      {
        kind,
        name: table,
        member: cmd.name,
        get span() {
          return command.span;
        },
      },
    ];
  });
}

function describe(drop: Drop): string {
  return drop.member === undefined ? `${drop.kind} ${displayName(drop.name)}` : `${drop.kind} ${quoteIdent(drop.member)} on ${displayName(drop.name)}`;
}

// Scaffolding that expand creates for the transition and contract removes by design: sync triggers and
// their functions, compatibility views, the CHECK (… IS NOT NULL) that precedes SET NOT NULL.
const TRANSITIONAL = new Set<ObjectKind>(['trigger', 'function', 'view', 'constraint']);

// In abort, dropping a pre-existing table, column, view, function, type, sequence or schema is already
// ban-drop-table's, ban-drop-column's and ban-drop-schema-object's finding.
const ABORT_ONLY_HERE = new Set<ObjectKind>(['index', 'constraint', 'trigger', 'policy']);

const LOSS: Partial<Record<ObjectKind, string>> = {
  index: 'v1’s queries lose an index they are planned with',
  constraint: 'v1 loses a check it relies on',
  trigger: 'v1 loses what the trigger does (audit rows, derived columns, keeping data in sync)',
  policy: 'v1’s roles lose the access that policy granted, or the restriction it applied',
};

function createdByMigration(drop: Drop, context: RuleContext): boolean {
  const created = (kind: ObjectKind, name: QualifiedName, member?: string): boolean => PHASES.some((phase) => context.isNewIn(phase, kind, name, member));
  if (created(drop.kind, drop.name, drop.member)) return true;
  // Members of a table the migration created go with it.
  if (drop.member !== undefined && created('table', drop.name)) return true;
  return drop.kind === 'constraint' && expandAddsUnnamedConstraint(drop.name, context);
}

/** Expand added a constraint whose name PostgreSQL generates (ADD CHECK …, ADD COLUMN … REFERENCES …): abort may drop it by that name. */
function expandAddsUnnamedConstraint(table: QualifiedName, context: RuleContext): boolean {
  return sectionStatements(context.file, 'expand').some((statement) =>
    alterTableCommands(statement).some(({ table: on, cmd }) => {
      if (!sameName(on, table)) return false;
      if (cmd.subtype === 'AT_AddConstraint') return !constraintOf(cmd.def)?.conname;
      const column = cmd.subtype === 'AT_AddColumn' ? columnDefOf(cmd) : undefined;
      return column !== undefined && columnConstraints(column).some((c) => c.contype !== 'CONSTR_DEFAULT' && c.contype !== 'CONSTR_NULL' && c.contype !== 'CONSTR_NOTNULL');
    }),
  );
}

export default defineRule({
  id: 'contract-before-expand',
  category: 'compat',
  severity: 'error',
  phases: ['contract', 'abort'],
  summary: 'A contract section that drops what expand just added, or an abort section that drops what expand did not add.',
  why:
    'Each section has one job. Contract runs once only v2 is live: dropping there a table, column, index, type, sequence, schema or policy that this migration’s expand ' +
    'section created for v2 means the phases are swapped — usually contract written as a "down" migration. Abort runs when v2 is rolled back and v1 is live again: ' +
    'it must be the inverse of expand, dropping only what this migration created; dropping a pre-existing index, constraint, trigger or policy takes it away from v1. ' +
    'Sync triggers, their functions, compatibility views and temporary CHECK constraints are created in expand and dropped in contract by design, and are not flagged.',
  fix:
    'Expand adds what v2 needs while v1 keeps working. Contract removes the old things v2 no longer uses, once v1 is gone. Abort undoes expand exactly: ' +
    'it drops what expand created and restores what expand changed. Move the statement to the section it belongs to (native migrations only).',
  examples: {
    bad: [
      'ALTER TABLE users ADD COLUMN email_lower text;\n-- pgtandem:contract\nALTER TABLE users DROP COLUMN email_lower;\n',
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n-- pgtandem:contract\nDROP INDEX CONCURRENTLY orders_placed_at_idx;\n',
      'CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n-- pgtandem:abort\nDROP INDEX CONCURRENTLY orders_placed_at_idx;\nDROP INDEX CONCURRENTLY orders_status_idx;\n',
    ],
    good: [
      'ALTER TABLE users ADD COLUMN email_lower text;\n' +
        'CREATE FUNCTION users_sync_email_lower() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.email_lower := lower(NEW.email);\n  RETURN NEW;\nEND;\n$$;\n' +
        'CREATE TRIGGER users_sync_email_lower BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_email_lower();\n' +
        '-- pgtandem:contract\nDROP TRIGGER users_sync_email_lower ON users;\nDROP FUNCTION users_sync_email_lower();\n' +
        '-- pgtandem:abort\nDROP TRIGGER IF EXISTS users_sync_email_lower ON users;\nDROP FUNCTION IF EXISTS users_sync_email_lower();\nALTER TABLE users DROP COLUMN email_lower;\n',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_not_negative CHECK (total_cents >= 0) NOT VALID;\n' +
        '-- pgtandem:abort\nALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_not_negative;\n',
    ],
  },
  check(statement, context) {
    if (context.file.layout !== 'native') return;
    for (const drop of dropsOf(statement)) {
      if (context.phase === 'contract') {
        if (TRANSITIONAL.has(drop.kind) || !context.isNewIn('expand', drop.kind, drop.name, drop.member)) continue;
        context.report({
          message: `Contract drops ${describe(drop)}, which this migration’s expand section created: the phases look swapped. Contract runs once only v2 is live and must not remove what v2 was shipped with; the undo of expand belongs under -- pgtandem:abort.`,
          span: drop.span,
        });
      } else if (ABORT_ONLY_HERE.has(drop.kind) && !createdByMigration(drop, context)) {
        context.report({
          message: `Abort drops ${describe(drop)}, which this migration did not create: abort runs when v2 is rolled back and v1 is live again, and must only undo expand — ${LOSS[drop.kind] ?? 'v1 loses it'}.`,
          span: drop.span,
        });
      }
    }
  },
});
