import type { LayoutReader, MigrationName } from './layout-reader.js';
import { readPhasesOnly } from './phases-only.js';

const NAME = /^(\d+)_([^.]+)(?:\.([a-z0-9]+))?(\.autocommit)?\.(up|down)\.sql$/;

const DIALECTS: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  cockroach: 'cockroach',
  cockroachdb: 'cockroach',
  crdb: 'cockroach',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite3',
  sqlite3: 'sqlite3',
};

/**
 * ory/popx (Kratos, Hydra, Keto): `N_name[.dialect][.autocommit].{up,down}.sql`.
 * A dialect-less file runs on every database unless a `.postgres.` file has the
 * same version; the discovery step applies that shadowing across the directory.
 */
export const popx: LayoutReader = {
  layout: 'popx',
  parseName({ base }) {
    const match = NAME.exec(base);
    if (!match) return undefined;
    let flavour = match[3];
    let autocommit = match[4] !== undefined;
    if (flavour === 'autocommit' && !autocommit) [flavour, autocommit] = [undefined, true];
    const parsed: MigrationName = { version: [match[1] as string], name: match[2] as string };
    if (autocommit) parsed.noTransaction = true;
    if (flavour !== undefined) parsed.dialect = DIALECTS[flavour] ?? flavour;
    if (parsed.dialect !== undefined && parsed.dialect !== 'postgres') {
      parsed.notForward = `popx migration for ${parsed.dialect}, not PostgreSQL`;
    } else if (match[5] === 'down') parsed.notForward = 'down migration';
    return parsed;
  },
  read: readPhasesOnly,
};

/** Names only popx uses: `.autocommit.`, or a variant for another database. */
export function isPopxOnlyName(name: MigrationName): boolean {
  return name.noTransaction === true || (name.dialect !== undefined && name.dialect !== 'postgres');
}
