import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBaselineDocument } from '../support/baseline-schema.js';
import { pgtandem } from '../support/cli-in-process.js';
import { copyProject, FULL_CORPUS } from '../support/corpus-project.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  dieselDeploy,
  drizzleDeploy,
  flywayDeploy,
  gooseDeploy,
  popxDeploy,
  prismaDeploy,
  writeDrizzleJournal,
  type Deploy,
} from '../support/foreign-deploy.js';
import { tempDir } from '../support/temp-dir.js';

// Each tool deploys a real project's history the way it does (simulated from its documented behaviour:
// its history table, its order, its transactions); then `pgtandem baseline` reads that table and records
// every applied migration as contracted; status shows them contracted and expand has nothing to do.
// With ../shared/corpus the histories are longer; without it, the licensed prefixes in test/fixtures/adopt.

interface Case {
  tool: string;
  project: string;
  deploy: Deploy;
  /** Entries of the full corpus to take (all when undefined). */
  full?: number;
  keep?: (name: string) => boolean;
  prepare?: (dir: string) => void;
}

const CASES: Case[] = [
  { tool: 'prisma', project: 'umami-software__umami', deploy: prismaDeploy },
  { tool: 'prisma', project: 'langfuse__langfuse', deploy: prismaDeploy, full: 20, keep: (n) => !n.endsWith('.sql') },
  // sim's 0039 needs the pgvector extension, which the test server lacks.
  { tool: 'drizzle', project: 'simstudioai__sim', deploy: drizzleDeploy, keep: (n) => n < '0039', prepare: (dir) => writeDrizzleJournal(dir) },
  { tool: 'flyway', project: 'MarquezProject__marquez', deploy: flywayDeploy },
  { tool: 'goose', project: 'hatchet-dev__hatchet', deploy: gooseDeploy, full: 8 },
  // crates.io's loose data_oauth_github.sql is not a diesel migration (diesel runs <version>_<name>/up.sql only).
  { tool: 'diesel', project: 'rust-lang__crates.io', deploy: dieselDeploy, full: 20, keep: (n) => !n.endsWith('.sql') },
  { tool: 'popx', project: 'ory__kratos', deploy: popxDeploy, full: 20 },
];

interface StatusJson {
  migrations: { version: string; state: string }[];
  next: string;
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('adopt_baseline');
});
afterAll(async () => {
  await db?.drop();
});

async function freshSchema(): Promise<void> {
  // One database for the file: each case starts from an empty one, like a new deploy target.
  await db.client.query(`DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS pgtandem CASCADE; DROP SCHEMA IF EXISTS drizzle CASCADE; CREATE SCHEMA public`);
}

describe.each(CASES)(`$tool deploy of $project, then pgtandem baseline (${FULL_CORPUS ? 'full corpus' : 'fixtures'})`, ({ project, deploy, full, keep, prepare }) => {
  it('adopts every applied migration, checks the schema, and leaves nothing to expand', async () => {
    await freshSchema();
    const cwd = tempDir('pgtandem-adopt-');
    const dir = join(cwd, 'migrations');
    mkdirSync(dir);
    copyProject(project, dir, { ...(full !== undefined ? { full } : {}), ...(keep ? { keep } : {}) });
    prepare?.(dir);
    const applied = await deploy(db.client, dir);
    expect(applied.length).toBeGreaterThan(0);

    const env = { DATABASE_URL: db.url };
    const dry = await pgtandem(['baseline', '--dir', 'migrations', '--dry-run', '--format', 'json'], { cwd, env });
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout).adopted).toHaveLength(applied.length);
    expect((await db.client.query(`SELECT to_regclass('pgtandem.migrations') AS t`)).rows[0].t).toBeNull();

    const run = await pgtandem(['baseline', '--dir', 'migrations', '--format', 'json'], { cwd, env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expectBaselineDocument(result);
    expect(result.adopted).toHaveLength(applied.length);
    expect(result.notAdopted).toEqual([]);
    expect(result.checksumMismatches).toEqual([]);
    expect(result.schema.missing).toEqual([]);
    expect(result.schema.differs).toEqual([]);

    const status = await pgtandem(['status', '--dir', 'migrations', '--format', 'json'], { cwd, env });
    const report = JSON.parse(status.stdout) as StatusJson;
    expect(report.migrations.filter((m) => m.state !== 'contracted')).toEqual([]);
    expect(report.next).toBe('nothing to do');
    const expand = await pgtandem(['expand', '--dir', 'migrations'], { cwd, env });
    expect(expand.stdout).toBe('expand: nothing to do\n');
    expect(expand.code).toBe(0);

    const again = await pgtandem(['baseline', '--dir', 'migrations'], { cwd, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`baseline: nothing to do: ${applied.length} migrations are already contracted in pgtandem's state`);
  }, 120_000);
});
