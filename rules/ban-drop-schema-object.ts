import type { ObjectKind } from '../src/lint/created-objects.js';
import { createdName, objectName, renamedObject } from '../src/lint/object-names.js';
import { defineRule, type RuleContext } from '../src/lint/rule.js';
import { sameName } from '../src/lint/same-name.js';
import { laterInTransaction, sectionStatements } from '../src/lint/section-statements.js';
import { findWords } from '../src/lint/span.js';
import { displayName, type QualifiedName } from '../src/sql/names.js';
import { nodeOf, type Statement } from '../src/sql/statement.js';

interface Dropped {
  /** How a message names the kind. */
  label: string;
  /** Under which kind the migration records such objects as created. */
  kind: ObjectKind;
  /** The DROP keywords, for the finding's span. */
  words: readonly string[];
  /** Whether dropping and recreating it in one transaction is invisible to v1 (a sequence would restart, a schema lose its contents). */
  replaceable: boolean;
}

const DROPPED: Partial<Record<string, Dropped>> = {
  OBJECT_VIEW: { label: 'view', kind: 'view', words: ['DROP', 'VIEW'], replaceable: true },
  OBJECT_MATVIEW: { label: 'materialized view', kind: 'view', words: ['DROP', 'MATERIALIZED', 'VIEW'], replaceable: true },
  OBJECT_FUNCTION: { label: 'function', kind: 'function', words: ['DROP', 'FUNCTION'], replaceable: true },
  OBJECT_PROCEDURE: { label: 'procedure', kind: 'function', words: ['DROP', 'PROCEDURE'], replaceable: true },
  OBJECT_ROUTINE: { label: 'routine', kind: 'function', words: ['DROP', 'ROUTINE'], replaceable: true },
  OBJECT_TYPE: { label: 'type', kind: 'type', words: ['DROP', 'TYPE'], replaceable: true },
  OBJECT_DOMAIN: { label: 'domain', kind: 'type', words: ['DROP', 'DOMAIN'], replaceable: true },
  OBJECT_SCHEMA: { label: 'schema', kind: 'schema', words: ['DROP', 'SCHEMA'], replaceable: false },
  OBJECT_SEQUENCE: { label: 'sequence', kind: 'sequence', words: ['DROP', 'SEQUENCE'], replaceable: false },
};

/** Whether an earlier statement of this section renamed an object of `kind` to `name` (set aside, as in a type swap). */
function renamedHereEarlier(statement: Statement, context: RuleContext, kind: ObjectKind, name: QualifiedName): boolean {
  return sectionStatements(context.file, context.phase).some((s) => {
    if (s.start >= statement.start) return false;
    const renamed = renamedObject(s);
    return renamed !== undefined && renamed.kind === kind && sameName(renamed.to, name);
  });
}

export default defineRule({
  id: 'ban-drop-schema-object',
  category: 'compat',
  severity: 'error',
  phases: ['expand', 'migrate', 'abort'],
  statementKinds: ['DropStmt'],
  summary: 'DROP VIEW / FUNCTION / PROCEDURE / TYPE / DOMAIN / SCHEMA / SEQUENCE / MATERIALIZED VIEW before the contract phase.',
  why:
    'Before contract the old version (v1) is still running and may still query the view, call the function, cast to the type, or call nextval on the sequence: ' +
    'those queries fail once it is gone, and a rollback of v2 cannot bring it back. With CASCADE, everything that depends on it goes too. ' +
    'Dropping and recreating a view, function or type in the same transaction (the usual way to change one) is not flagged: v1 sees the new definition at commit, never a gap — ' +
    'keep its columns and argument types compatible with what v1 calls. Nor is dropping an object this migration renamed aside (RENAME x TO x_old … DROP x_old): ' +
    'the rename is what v1 notices, and renaming-schema-object judges it.',
  fix:
    'Expand: create the replacement next to the old object (a versioned view or function name) and ship v2 using it. ' +
    'Contract: drop the old object once v1 is gone. To change a view or function in place, DROP and CREATE it in one transaction, keeping what v1 uses.',
  examples: {
    bad: [
      'DROP VIEW active_customers;\n',
      '-- pgtandem:abort\nDROP FUNCTION IF EXISTS billing."computeTotal"(bigint);\n',
      '-- pgtandem:migrate\nDROP SEQUENCE invoice_number_seq;\n',
    ],
    good: [
      '-- pgtandem:contract\nDROP VIEW active_customers;\n',
      "CREATE TYPE delivery_speed AS ENUM ('slow', 'fast');\n-- pgtandem:abort\nDROP TYPE delivery_speed;\n",
      'DROP VIEW active_customers;\nCREATE VIEW active_customers AS\n  SELECT id, email, last_seen_at FROM customers WHERE last_seen_at > now() - interval \'30 days\';\n',
    ],
  },
  check(statement, context) {
    const drop = nodeOf(statement, 'DropStmt');
    const dropped = drop?.removeType ? DROPPED[drop.removeType] : undefined;
    if (!drop || !dropped) return;
    const cascade = drop.behavior === 'DROP_CASCADE';
    let later: Statement[] | undefined;
    const recreated = (name: QualifiedName): boolean => {
      if (!dropped.replaceable || cascade) return false;
      later ??= laterInTransaction(statement, context);
      return later.some((s) => {
        const created = createdName(s, dropped.kind);
        return created !== undefined && sameName(created, name);
      });
    };
    const existing = (drop.objects ?? [])
      .map(objectName)
      .filter(
        (name): name is QualifiedName =>
          name !== undefined && !context.isNew(dropped.kind, name) && !recreated(name) && !renamedHereEarlier(statement, context, dropped.kind, name),
      );
    if (existing.length === 0) return;
    const names = existing.map(displayName).join(', ');
    const plural = existing.length > 1;
    context.report({
      message:
        `Dropping ${dropped.label} ${names} in ${context.phase} breaks the old version (v1), which may still use ${plural ? 'them' : 'it'}; drop ${plural ? 'them' : 'it'} in contract.` +
        (cascade ? ' CASCADE also drops every object that depends on it.' : ''),
      span: findWords(statement, dropped.words),
    });
  },
});
