import { PHASES } from '../src/migrations/phase.js';
import { defineRule } from '../src/lint/rule.js';
import { qualifierSpans, qualifyingSchemas } from '../src/lint/schema-qualifiers.js';
import { nodeOf } from '../src/sql/statement.js';
import { quoteIdent } from '../src/sql/names.js';

const ALWAYS_SHARED = new Set(['pg_catalog', 'information_schema', 'pg_temp']);
const TENANTS = { tenantSchemas: { shared: ['extensions'] } };

export default defineRule({
  id: 'schema-qualified-in-tenant-migration',
  category: 'correctness',
  severity: 'error',
  phases: PHASES,
  summary: 'A schema-qualified name, CREATE SCHEMA or SET search_path in a migration that runs once per tenant schema.',
  why:
    'With "tenantSchemas" set, the fleet runs every migration once per tenant with search_path set to that tenant (pgtandem … --fleet). An unqualified name resolves in the tenant; ' +
    '`public.users` resolves in public for every tenant: the first tenant changes the shared table and each later one changes it again or fails ("column already exists"), ' +
    'while no tenant\'s own table changes. CREATE SCHEMA makes one schema for all tenants, and SET search_path moves the rest of the file out of the tenant.',
  fix:
    'Write names unqualified so each tenant\'s run resolves them in its own schema. Shared objects (extensions, lookup tables) belong to a migration that runs once, outside the fleet; ' +
    'a schema every tenant may name (where extensions live) goes in "tenantSchemas": { "shared": ["extensions"] } and in the fleet file\'s searchPath.',
  examples: {
    config: TENANTS,
    bad: [
      '-- pgtandem:expand\nALTER TABLE public.users ADD COLUMN email text;\n\n-- pgtandem:abort\nALTER TABLE public.users DROP COLUMN email;\n',
      '-- pgtandem:expand\nSET search_path TO tenant_template;\nCREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total_cents bigint NOT NULL);\n',
    ],
    good: [
      '-- pgtandem:expand\nALTER TABLE users ADD COLUMN email text;\n\n-- pgtandem:abort\nALTER TABLE users DROP COLUMN email;\n',
      '-- pgtandem:expand\nCREATE TABLE invoices (id uuid PRIMARY KEY DEFAULT extensions.uuid_generate_v4(), created_at timestamptz NOT NULL DEFAULT pg_catalog.now());\n',
    ],
  },
  check(statement, context) {
    const tenants = context.tenantSchemas;
    if (!tenants) return;
    const shared = new Set([...ALWAYS_SHARED, ...tenants.shared]);
    const schema = nodeOf(statement, 'CreateSchemaStmt');
    if (schema) {
      context.report({ message: `CREATE SCHEMA ${quoteIdent(schema.schemaname ?? '')} in a tenant migration: every tenant's run creates (or finds) the same schema, outside all of them.` });
      return;
    }
    const set = nodeOf(statement, 'VariableSetStmt');
    if (set?.name === 'search_path') {
      context.report({ message: 'SET search_path in a tenant migration: the statements after it no longer run in the tenant the fleet set search_path to.' });
      return;
    }
    const moved = nodeOf(statement, 'AlterObjectSchemaStmt');
    if (moved?.newschema && !shared.has(moved.newschema)) {
      context.report({ message: `SET SCHEMA ${quoteIdent(moved.newschema)} in a tenant migration moves the tenant's object into a schema all tenants share.` });
    }
    for (const name of qualifyingSchemas(statement)) {
      if (shared.has(name)) continue;
      const spans = qualifierSpans(statement, name);
      const message = `${quoteIdent(name)}.… names an object in schema ${quoteIdent(name)} for every tenant: in a tenant migration write it unqualified, so each tenant's run changes its own.`;
      if (spans.length === 0) context.report({ message });
      for (const span of spans) context.report({ message, span });
    }
  },
});
