import type pg from 'pg';

/**
 * The tenants of `pgtandem demo --fleet`: one schema each on one server, the
 * company's own tenant first as the canary. Eleven customers follow in name
 * order, which is the order the fleet file's `tenant_*` generator lists them.
 */
export const CANARY_TENANT = 'internal';
export const CUSTOMER_TENANTS = ['acme', 'bluth', 'cyberdyne', 'dunder', 'globex', 'hooli', 'initech', 'monarch', 'piedpiper', 'soylent', 'umbrella'] as const;
/** Someone hot-fixed this tenant by hand long ago: its table already has a `status` column, so expand fails there. */
export const BROKEN_TENANT = 'hooli';
/** The application_name of the old release's sessions: contract waits for them to go. */
export const OLD_RELEASE = 'tasks-app@v1';

export const schemaOf = (tenant: string): string => `tenant_${tenant}`;

/** v1 keeps `done boolean`; v2 reads and writes `status text` ('open', 'done'). */
export const MIGRATION = {
  file: '0001_tasks_status.sql',
  text: `-- pgtandem:expand
ALTER TABLE tasks ADD COLUMN status text;

-- pgtandem:migrate
UPDATE tasks SET status = CASE WHEN done THEN 'done' ELSE 'open' END WHERE status IS NULL;

-- pgtandem:contract
ALTER TABLE tasks DROP COLUMN done;

-- pgtandem:abort
ALTER TABLE tasks DROP COLUMN status;
`,
};

/** The project's config: migrations run once per tenant schema (lint knows it), and which sessions are the old release. */
export const CONFIG = {
  migrationsDir: 'migrations',
  tenantSchemas: true,
  oldReleaseApplicationName: `${OLD_RELEASE}%`,
  usageGate: 'off',
};

/** Tenants a fleet run changes at once (one connection each). */
export const CONCURRENCY = 2;

/** The fleet file: the canary tenant by name, every other tenant schema by pattern; canary, then a quarter, then all. */
export const FLEET_FILE = `{
  "targets": [
    { "name": "${CANARY_TENANT}", "schema": "tenant_${CANARY_TENANT}", "labels": ["canary"], "urlEnv": "TENANTS_URL" },
    { "schemas": "tenant_*", "exclude": ["tenant_${CANARY_TENANT}"], "urlEnv": "TENANTS_URL" }
  ],
  "waves": ["label:canary", "25%", "100%"],
  "concurrency": { "total": ${CONCURRENCY}, "perServer": ${CONCURRENCY} },
  "maxFailures": 1
}
`;

/** Creates every tenant's schema and its `tasks` table with a few rows, and the broken tenant's hand-made column. */
export async function createTenants(client: pg.ClientBase, rowsPerTenant: number): Promise<void> {
  const statements = [CANARY_TENANT, ...CUSTOMER_TENANTS].map((tenant) => {
    const schema = schemaOf(tenant);
    return `CREATE SCHEMA ${schema};
      CREATE TABLE ${schema}.tasks (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false);
      INSERT INTO ${schema}.tasks (title, done) SELECT '${tenant} task ' || g, g % 3 = 0 FROM generate_series(1, ${rowsPerTenant}) g;`;
  });
  await client.query(statements.join('\n'));
  await client.query(BREAK_TENANT);
}

export const BREAK_TENANT = `ALTER TABLE ${schemaOf(BROKEN_TENANT)}.tasks ADD COLUMN status integer`;
export const FIX_TENANT = `ALTER TABLE ${schemaOf(BROKEN_TENANT)}.tasks RENAME COLUMN status TO status_hotfix`;
