import { describe, expect, it } from 'vitest';
import { lint } from '../../src/lint/lint.js';

async function flagged(sql: string, tenantSchemas: { shared: string[] } | null = { shared: [] }): Promise<string[]> {
  const result = await lint({
    sources: [{ path: 'db/0001_change.sql', text: `-- pgtandem:expand\n${sql}`, layout: 'native' }],
    configFile: false,
    config: tenantSchemas ? { tenantSchemas } : {},
  });
  return result.findings.filter((f) => f.rule === 'schema-qualified-in-tenant-migration').map((f) => `${f.line}:${f.column} ${f.message.split(':')[0]}`);
}

describe('schema-qualified-in-tenant-migration', () => {
  it('flags each qualified object name where it is written, in any kind of statement', async () => {
    expect(await flagged('DROP TABLE public.old_reports, archive.old_logs;')).toEqual([
      expect.stringMatching(/^2:12 public\./),
      expect.stringMatching(/^2:32 archive\./),
    ]);
    expect(await flagged('CREATE INDEX CONCURRENTLY users_email_idx ON public.users (email);')).toHaveLength(1);
    expect(await flagged("ALTER TABLE users ADD COLUMN mood public.mood DEFAULT 'ok';")).toHaveLength(1);
    expect(await flagged('UPDATE users SET score = public.score_of(users.id);')).toHaveLength(1);
    expect(await flagged('CREATE SCHEMA reporting;')).toEqual([expect.stringMatching(/^2:1 CREATE SCHEMA reporting in a tenant migration/)]);
  });

  it('leaves column references, pg_catalog and the shared schemas alone', async () => {
    expect(await flagged('UPDATE users SET email = lower(users.email) WHERE users.id > 0;')).toEqual([]);
    expect(await flagged('ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT pg_catalog.now();')).toEqual([]);
    expect(await flagged('ALTER TABLE users ADD COLUMN id2 uuid DEFAULT extensions.uuid_generate_v4();', { shared: ['extensions'] })).toEqual([]);
    expect(await flagged('ALTER TABLE users ADD COLUMN id2 uuid DEFAULT extensions.uuid_generate_v4();')).toHaveLength(1);
  });

  it('looks at nothing unless the config says the migrations run per tenant', async () => {
    expect(await flagged('ALTER TABLE public.users ADD COLUMN email text;', null)).toEqual([]);
  });
});
