import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type pg from 'pg';
import { drizzleHash, flywayChecksum, prismaChecksum } from '../../src/adopt/tool-checksums.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import type { MigrationFile } from '../../src/migrations/migration.js';
import { compareVersions } from '../../src/migrations/version.js';
import { parseSegment } from '../../src/sql/parse-segment.js';
import { loadParser } from '../../src/sql/pg-parser.js';
import type { Statement } from '../../src/sql/statement.js';
import { cannotRunInTransaction } from '../../src/sql/transaction-block.js';

// Each migration tool's deploy, simulated from its documented behaviour and
// source: the history table with the columns the tool writes, the order it
// picks files in, what it runs of each file, and its transaction rules. They
// stand in for `prisma migrate deploy`, `drizzle-kit migrate`, `flyway migrate`
// … so that tests can put a database in the state those tools leave.
// Each returns the ids it applied, in order. A failure is rethrown after the
// tool's own bookkeeping of it (Prisma's unfinished row, golang-migrate's dirty flag).

/** What every tool's deploy takes: a connection and the folder it owns. */
export type Deploy = (client: pg.ClientBase, dir: string) => Promise<string[]>;

/** The statements a tool runs of a file: every section it sees as forward (a goose or dbmate Down block is not), in order. */
function forwardText(file: MigrationFile): string {
  return file.segments.map((s) => file.text.slice(s.start, s.end)).join('\n');
}

async function forwardStatements(file: MigrationFile): Promise<string[]> {
  return (await parsedStatements(file)).map((st) => st.text);
}

async function parsedStatements(file: MigrationFile): Promise<Statement[]> {
  await loadParser();
  return file.segments.flatMap((s) => parseSegment(file.text, s).statements);
}

async function inTransaction<T>(client: pg.ClientBase, transactional: boolean, work: () => Promise<T>): Promise<T> {
  if (!transactional) return work();
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/**
 * `prisma migrate deploy` (prisma-engines, PostgreSQL): under an advisory
 * lock, refuses while a migration has failed (P3009: a row neither finished
 * nor rolled back); then for each folder in name order without a finished,
 * not rolled back row: inserts its row (checksum = sha256 of migration.sql),
 * sends the whole script as one simple query — PostgreSQL runs a
 * multi-statement query as one implicit transaction, and Prisma adds no
 * BEGIN — then sets finished_at and applied_steps_count. On failure the row
 * keeps finished_at NULL with the error in logs.
 */
export const prismaDeploy: Deploy = async (client, dir) => {
  await client.query('SELECT pg_advisory_lock(72707369)');
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }>(`SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"`);
    const failed = rows.find((r) => !r.finished_at && !r.rolled_back_at);
    if (failed) throw new Error(`P3009: migrate found failed migrations in the target database: ${failed.migration_name}`);
    const done = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
    const names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'migration.sql'))).map((e) => e.name).sort();
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const bytes = readFileSync(join(dir, name, 'migration.sql'));
      const id = randomUUID();
      await client.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`, [id, prismaChecksum(bytes), name]);
      try {
        await client.query(bytes.toString('utf8'));
      } catch (error) {
        await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String(error)]);
        throw error;
      }
      await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
      applied.push(name);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(72707369)');
  }
};

/**
 * drizzle-orm's PostgreSQL `migrate()` (what `drizzle-kit migrate` runs):
 * the journal's entries in order, each file split at `--> statement-breakpoint`;
 * one transaction for every pending migration together; pending = journal
 * time (`when`) later than the newest `created_at` recorded, read once before.
 */
export const drizzleDeploy: Deploy = async (client, dir) => {
  const journal = JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  await client.query('CREATE SCHEMA IF NOT EXISTS "drizzle"');
  await client.query('CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
  const { rows } = await client.query<{ created_at: string }>('SELECT id, hash, created_at FROM "drizzle"."__drizzle_migrations" ORDER BY created_at DESC LIMIT 1');
  const last = rows[0];
  const applied: string[] = [];
  await inTransaction(client, true, async () => {
    for (const entry of journal.entries) {
      if (last && !(Number(last.created_at) < entry.when)) continue;
      const text = readFileSync(join(dir, `${entry.tag}.sql`)).toString().replace(/\r\n/g, '\n');
      for (const statement of text.split('--> statement-breakpoint')) await client.query(statement);
      await client.query('INSERT INTO "drizzle"."__drizzle_migrations" ("hash", "created_at") VALUES ($1, $2)', [drizzleHash(readFileSync(join(dir, `${entry.tag}.sql`))), entry.when]);
      applied.push(entry.tag);
    }
  });
  return applied;
};

/** A `meta/_journal.json` for a folder of Drizzle files, as drizzle-kit generate writes it (one entry per file, `when` increasing). */
export function writeDrizzleJournal(dir: string, start = 1_700_000_000_000): void {
  const tags = readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort().map((f) => f.replace(/\.sql$/, ''));
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const entries = tags.map((tag, idx) => ({ idx, version: '7', when: start + idx * 60_000, tag, breakpoints: true }));
  writeFileSync(join(dir, 'meta', '_journal.json'), `${JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2)}\n`);
}

/**
 * `flyway migrate` (PostgreSQL, default settings): the history table as
 * Flyway creates it; versioned migrations above the highest applied one in
 * version order, then repeatables that are new or whose checksum changed;
 * each migration in its own transaction together with its history row
 * (unless it cannot run in one: then statement by statement, and a failure
 * leaves a `success = false` row).
 */
export const flywayDeploy: Deploy = async (client, dir) => {
  await client.query(`CREATE TABLE IF NOT EXISTS "flyway_schema_history" (
    "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL,
    CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))`);
  await client.query('CREATE INDEX IF NOT EXISTS "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")');
  const { rows } = await client.query<{ version: string | null; script: string; checksum: number | null; success: boolean; type: string }>('SELECT version, script, checksum, success, type FROM "flyway_schema_history" ORDER BY installed_rank');
  // `flyway baseline`: every version at or below the BASELINE row counts as applied.
  const baseline = rows.filter((r) => r.type === 'BASELINE' && r.version !== null).at(-1)?.version?.split('.');
  if (rows.some((r) => !r.success)) throw new Error('Validate failed: detected failed migration (flyway repair)');
  const { migrations } = await discoverMigrations([dir]);
  const versioned = migrations.filter((m) => m.version.length > 0).sort((a, b) => compareVersions(a.version, b.version));
  const repeatable = migrations.filter((m) => m.version.length === 0).sort((a, b) => a.name.localeCompare(b.name));
  const versionOf = (m: MigrationFile) => m.version.join('.');
  const appliedVersions = new Set(rows.filter((r) => r.version !== null).map((r) => r.version!.split('.').map((p) => p.replace(/^0+(?=\d)/, '')).join('.')));
  const applied: string[] = [];
  let rank = rows.length;
  const run = async (m: MigrationFile): Promise<void> => {
    const bytes = readFileSync(m.path);
    const script = basename(m.path);
    const started = Date.now();
    const record = (success: boolean) =>
      client.query(
        `INSERT INTO "flyway_schema_history" (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES ($1, $2, $3, 'SQL', $4, $5, current_user, $6, $7)`,
        [++rank, m.version.length > 0 ? versionOf(m) : null, m.name.replace(/_/g, ' '), script, flywayChecksum(bytes), Date.now() - started, success],
      );
    const parsed = await parsedStatements(m);
    const statements = parsed.map((st) => st.text);
    // Flyway runs a migration holding a statement that cannot run in a transaction (CONCURRENTLY) outside one.
    const transactional = m.inTransaction && !parsed.some((st) => cannotRunInTransaction(st.kind === 'Invalid' ? undefined : st.node, 16));
    if (transactional) {
      await inTransaction(client, true, async () => {
        for (const s of statements) await client.query(s);
        await record(true);
      });
    } else {
      try {
        for (const s of statements) await client.query(s);
      } catch (error) {
        await record(false);
        throw error;
      }
      await record(true);
    }
    applied.push(script);
  };
  for (const m of versioned) if (!(baseline && compareVersions(m.version, baseline) <= 0) && !appliedVersions.has(m.version.map((p) => p.replace(/^0+(?=\d)/, '')).join('.'))) await run(m);
  for (const m of repeatable) {
    const last = rows.filter((r) => r.version === null && r.script === basename(m.path)).at(-1);
    if (!last || last.checksum !== flywayChecksum(readFileSync(m.path))) await run(m);
  }
  return applied;
};

/**
 * golang-migrate (`migrate up`, postgres driver): `schema_migrations(version,
 * dirty)` holds one row; before each file the row becomes (version, dirty =
 * true), the file is sent as one multi-statement query (no BEGIN of its own),
 * then dirty = false. A failure leaves the version dirty, and every later
 * `migrate up` refuses until `migrate force`.
 */
export const golangMigrateDeploy: Deploy = async (client, dir) => {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
  const { rows } = await client.query<{ version: string; dirty: boolean }>('SELECT version::text AS version, dirty FROM schema_migrations');
  if (rows[0]?.dirty) throw new Error(`Dirty database version ${rows[0].version}. Fix and force version.`);
  const current = rows[0] ? BigInt(rows[0].version) : -1n;
  const { migrations } = await discoverMigrations([dir]);
  const applied: string[] = [];
  const setVersion = (version: bigint, dirty: boolean) =>
    inTransaction(client, true, async () => {
      await client.query('TRUNCATE schema_migrations');
      await client.query('INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)', [version.toString(), dirty]);
    });
  for (const m of migrations) {
    const version = BigInt(m.version.join(''));
    if (version <= current) continue;
    await setVersion(version, true);
    await client.query(readFileSync(m.path, 'utf8'));
    await setVersion(version, false);
    applied.push(m.version.join(''));
  }
  return applied;
};

/**
 * `goose up`: `goose_db_version` is a log (id, version_id, is_applied,
 * tstamp) that starts with version 0; each pending file's Up statements
 * (split at semicolons, StatementBegin/End blocks whole) run in one
 * transaction with its row, unless `-- +goose NO TRANSACTION`.
 */
export const gooseDeploy: Deploy = async (client, dir) => {
  const created = await client.query<{ found: boolean }>(`SELECT to_regclass('goose_db_version') IS NOT NULL AS found`);
  if (!created.rows[0]!.found) {
    await client.query('CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id))');
    await client.query('INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)');
  }
  const { rows } = await client.query<{ version_id: string; is_applied: boolean }>('SELECT version_id::text AS version_id, is_applied FROM goose_db_version ORDER BY id');
  const state = new Map(rows.map((r) => [r.version_id, r.is_applied]));
  const { migrations } = await discoverMigrations([dir]);
  const applied: string[] = [];
  for (const m of migrations) {
    const version = BigInt(m.version.join('')).toString();
    if (state.get(version)) continue;
    const statements = await forwardStatements(m);
    await inTransaction(client, m.inTransaction, async () => {
      for (const s of statements) await client.query(s);
      await client.query('INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)', [version]);
    });
    applied.push(version);
  }
  return applied;
};

/** `dbmate up`: `schema_migrations(version)`; each pending file's `migrate:up` block as one query, with its row, in a transaction unless `transaction:false`. */
export const dbmateDeploy: Deploy = async (client, dir) => {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)');
  const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  const { migrations } = await discoverMigrations([dir]);
  const applied: string[] = [];
  for (const m of migrations) {
    const version = basename(m.path).match(/^\d+/)![0];
    if (done.has(version)) continue;
    await inTransaction(client, m.inTransaction, async () => {
      await client.query(forwardText(m));
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    });
    applied.push(version);
  }
  return applied;
};

/** `diesel migration run`: `__diesel_schema_migrations(version, run_on)`; each pending folder's up.sql as one batch, with its row, in a transaction unless metadata.toml says run_in_transaction = false. */
export const dieselDeploy: Deploy = async (client, dir) => {
  await client.query('CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)');
  const done = new Set((await client.query<{ version: string }>('SELECT version FROM __diesel_schema_migrations')).rows.map((r) => r.version));
  const { migrations } = await discoverMigrations([dir]);
  const applied: string[] = [];
  for (const m of migrations.filter((f) => f.layout === 'diesel').sort((a, b) => basename(dirname(a.path)).localeCompare(basename(dirname(b.path))))) {
    const version = basename(dirname(m.path)).split('_')[0]!.replace(/-/g, '');
    if (done.has(version)) continue;
    await inTransaction(client, m.inTransaction, async () => {
      await client.query(readFileSync(m.path, 'utf8'));
      await client.query('INSERT INTO __diesel_schema_migrations (version) VALUES ($1)', [version]);
    });
    applied.push(version);
  }
  return applied;
};

/** ory/popx: `schema_migration(version, version_self)`; each pending file for PostgreSQL, in a transaction unless `.autocommit.`, with its row. */
export const popxDeploy: Deploy = async (client, dir) => {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migration (version varchar(48) NOT NULL, version_self int NOT NULL DEFAULT 0)');
  await client.query('CREATE UNIQUE INDEX IF NOT EXISTS schema_migration_version_idx ON schema_migration (version)');
  const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migration')).rows.map((r) => r.version));
  const { migrations } = await discoverMigrations([dir]);
  const applied: string[] = [];
  for (const m of migrations) {
    const version = m.version.join('');
    if (done.has(version)) continue;
    const statements = await forwardStatements(m);
    await inTransaction(client, m.inTransaction, async () => {
      for (const s of statements) await client.query(s);
      await client.query('INSERT INTO schema_migration (version) VALUES ($1)', [version]);
    });
    applied.push(version);
  }
  return applied;
};
