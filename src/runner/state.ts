import { hostname } from 'node:os';
import { sql, type Generated, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Phase } from '../migrations/phase.js';
import { pinnedKysely } from './pinned-kysely.js';

/** Where a migration stands. `aborted` migrations can be expanded again. */
export type MigrationStateName = 'pending' | 'expanded' | 'migrated' | 'contracted' | 'aborted';

export interface PhaseRecord {
  /** sha256 of the section text when the phase started. */
  checksum: string;
  startedAt: string;
  finishedAt?: string;
}

/** One migration as the database remembers it. */
export interface MigrationRecord {
  version: string;
  name: string;
  path: string;
  state: MigrationStateName;
  phases: Partial<Record<Phase, PhaseRecord>>;
  /** The phase being run and how many of its actions have finished; null between phases. */
  checkpoint: { phase: Phase; actionsDone: number } | null;
  /** The cursor of the batched backfill in progress, with the action it belongs to. */
  backfill: { action: string; cursor: unknown } | null;
  updatedAt: string;
}

export type EventResult = 'running' | 'succeeded' | 'failed' | 'interrupted';

/** One phase run from the event log: who ran it, how it ended, and its error. */
export interface PhaseRun {
  version: string;
  phase: Phase;
  result: EventResult;
  /** One or more lines: the failing statement's file:line and the server's message, already redacted. */
  error?: string;
  startedAt: string;
  finishedAt?: string;
  /** `application_name@hostname` of the runner. */
  by: string;
}

interface MigrationsTable {
  version: string;
  name: string;
  path: string;
  state: string;
  phases: unknown;
  checkpoint_phase: string | null;
  checkpoint_actions: number;
  backfill: unknown;
  updated_at: Generated<Date>;
}

interface EventsTable {
  id: Generated<string>;
  version: string;
  phase: string;
  db_user: string;
  application_name: string;
  hostname: string;
  started_at: Generated<Date>;
  finished_at: Date | null;
  duration_ms: number | null;
  result: string;
  error: string | null;
}

interface StateDatabase {
  migrations: MigrationsTable;
  events: EventsTable;
}

/**
 * A tenant schema whose own state the runner keeps: when tenants share a
 * database, each schema holds its state (tables `pgtandem_migrations` and
 * `pgtandem_events` beside the tenant's own), and its runs lock only it.
 */
export interface TenantScope {
  schema: string;
}

const SCHEMA = 'pgtandem';
// Serialises concurrent first runs creating the schema (CREATE … IF NOT EXISTS races on the catalog).
const SCHEMA_LOCK_KEY = 7_067_747;

/**
 * The runner's memory, in schema `pgtandem` of the target database. It knows
 * migrations, phases and checkpoints by number — nothing of plans or SQL.
 * Every query runs on the client it was opened on, so a checkpoint can share
 * the transaction of the work it records.
 */
export class MigrationState {
  private readonly db: Kysely<StateDatabase>;
  private readonly schema: string;
  // Typed as Kysely's names; a tenant's tables carry a prefix so they cannot meet the tenant's own.
  private readonly migrations: 'migrations';
  private readonly events: 'events';
  private found = false;

  constructor(
    private readonly client: pg.ClientBase,
    private readonly tenant?: TenantScope,
  ) {
    this.schema = tenant?.schema ?? SCHEMA;
    this.migrations = (tenant ? 'pgtandem_migrations' : 'migrations') as 'migrations';
    this.events = (tenant ? 'pgtandem_events' : 'events') as 'events';
    this.db = pinnedKysely<StateDatabase>(client).withSchema(this.schema);
  }

  /** Where the state lives, for messages: `pgtandem` or the tenant's schema. */
  get location(): string {
    return this.tenant ? `${this.schema}.pgtandem_*` : `${SCHEMA}.*`;
  }

  /** Whether the state tables exist; a read-only check for status and --dry-run. Once seen, they are not looked for again. */
  async exists(): Promise<boolean> {
    if (this.found) return true;
    const { rows } = await sql<{ found: boolean }>`SELECT to_regclass(format('%I.%I', ${this.schema}::text, ${this.events}::text)) IS NOT NULL AS found`.execute(this.db);
    this.found = rows[0]?.found === true;
    return this.found;
  }

  /** Creates the schema and tables when missing; safe when several runners start at once. */
  async ensureSchema(): Promise<void> {
    if (await this.exists()) return;
    await this.client.query('BEGIN');
    try {
      await sql`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`.execute(this.db);
      // A tenant's schema is the tenant's: it must exist already (the fleet checks), and is never created here.
      if (!this.tenant) await this.db.schema.createSchema(SCHEMA).ifNotExists().execute();
      await this.db.schema
        .createTable(this.migrations)
        .ifNotExists()
        .addColumn('version', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('pending', 'expanded', 'migrated', 'contracted', 'aborted')`))
        .addColumn('phases', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('checkpoint_phase', 'text')
        .addColumn('checkpoint_actions', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('backfill', 'jsonb')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await this.db.schema
        .createTable(this.events)
        .ifNotExists()
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('db_user', 'text', (c) => c.notNull())
        .addColumn('application_name', 'text', (c) => c.notNull())
        .addColumn('hostname', 'text', (c) => c.notNull())
        .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
        .addColumn('finished_at', 'timestamptz')
        .addColumn('duration_ms', 'integer')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await this.client.query('COMMIT');
      this.found = true;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  /** Every recorded migration, by version as stored. Empty when the schema does not exist yet. */
  async list(): Promise<MigrationRecord[]> {
    if (!(await this.exists())) return [];
    const rows = await this.db.selectFrom(this.migrations).selectAll().orderBy('version').execute();
    return rows.map(toRecord);
  }

  /** Records a migration as pending unless it is known already. */
  async register(version: string, name: string, path: string): Promise<void> {
    await this.db
      .insertInto(this.migrations)
      .values({ version, name, path, state: 'pending', phases: '{}', checkpoint_actions: 0, backfill: null, checkpoint_phase: null })
      .onConflict((oc) => oc.column('version').doUpdateSet({ name, path }))
      .execute();
  }

  /**
   * Marks a phase as started with the checksum of the section it runs and a
   * checkpoint at 0 actions — unless a run of the same phase was interrupted,
   * whose checkpoint stands. Expanding an aborted migration starts afresh.
   */
  async beginPhase(version: string, phase: Phase, checksum: string): Promise<MigrationRecord> {
    const record = await this.get(version);
    if (record.checkpoint?.phase === phase) {
      // Resuming: the checksum stands, unless nothing of the phase committed and its section was fixed since.
      const started = record.phases[phase];
      if (record.checkpoint.actionsDone > 0 || record.backfill !== null || !started || started.checksum === checksum) return record;
      await this.db
        .updateTable(this.migrations)
        .set({ phases: JSON.stringify({ ...record.phases, [phase]: { ...started, checksum } }), updated_at: sql`now()` })
        .where('version', '=', version)
        .execute();
      return this.get(version);
    }
    const phases = phase === 'expand' ? {} : { ...record.phases };
    phases[phase] = { checksum, startedAt: new Date().toISOString() };
    const state = record.state === 'aborted' && phase === 'expand' ? 'pending' : record.state;
    await this.db
      .updateTable(this.migrations)
      .set({ state, phases: JSON.stringify(phases), checkpoint_phase: phase, checkpoint_actions: 0, backfill: null, updated_at: sql`now()` })
      .where('version', '=', version)
      .execute();
    return this.get(version);
  }

  /** Records that `actionsDone` actions of the phase have finished; call it inside the action's transaction. */
  async checkpoint(version: string, phase: Phase, actionsDone: number): Promise<void> {
    await this.db
      .updateTable(this.migrations)
      .set({ checkpoint_phase: phase, checkpoint_actions: actionsDone, backfill: null, updated_at: sql`now()` })
      .where('version', '=', version)
      .execute();
  }

  /** Saves a backfill cursor; the backfill calls it inside each batch's transaction. */
  async saveBackfill(version: string, action: string, cursor: unknown): Promise<void> {
    await this.db
      .updateTable(this.migrations)
      .set({ backfill: JSON.stringify({ action, cursor }), updated_at: sql`now()` })
      .where('version', '=', version)
      .execute();
  }

  /** Ends a phase: its finish time, the migration's new state, no checkpoint. */
  async finishPhase(version: string, phase: Phase, state: MigrationStateName): Promise<void> {
    const record = await this.get(version);
    const phases = { ...record.phases };
    const started = phases[phase];
    const now = new Date().toISOString();
    phases[phase] = { checksum: started?.checksum ?? '', startedAt: started?.startedAt ?? now, finishedAt: now };
    await this.db
      .updateTable(this.migrations)
      .set({ state, phases: JSON.stringify(phases), checkpoint_phase: null, checkpoint_actions: 0, backfill: null, updated_at: sql`now()` })
      .where('version', '=', version)
      .execute();
  }

  /**
   * Records a migration that was applied outside the runner (`pgtandem
   * baseline`) as contracted: expand, migrate and contract finished at `at`,
   * each with the checksum of its section as the file reads now, and an
   * event (phase `baseline`) saying who did it. Replaces only a record still
   * pending; the caller checks the rest.
   */
  async adopt(version: string, name: string, path: string, checksums: Record<Exclude<Phase, 'abort'>, string>, at: string): Promise<void> {
    const phases = JSON.stringify(Object.fromEntries(Object.entries(checksums).map(([phase, checksum]) => [phase, { checksum, startedAt: at, finishedAt: at }])));
    await this.db
      .insertInto(this.migrations)
      .values({ version, name, path, state: 'contracted', phases, checkpoint_actions: 0, backfill: null, checkpoint_phase: null })
      .onConflict((oc) =>
        oc
          .column('version')
          .doUpdateSet({ name, path, state: 'contracted', phases, checkpoint_phase: null, checkpoint_actions: 0, backfill: null, updated_at: sql`now()` })
          .where(sql.ref(`${this.migrations}.state`), '=', 'pending'),
      )
      .execute();
    await this.db
      .insertInto(this.events)
      .values({
        version,
        phase: 'baseline',
        db_user: sql<string>`current_user`,
        application_name: sql<string>`current_setting('application_name')`,
        hostname: hostname(),
        result: 'succeeded',
        finished_at: sql<Date>`clock_timestamp()`,
        duration_ms: 0,
        error: null,
      })
      .execute();
  }

  /** Opens an event for one phase run: who (database user, application_name, host) and when. */
  async startEvent(version: string, phase: Phase): Promise<string> {
    const row = await this.db
      .insertInto(this.events)
      .values({
        version,
        phase,
        db_user: sql<string>`current_user`,
        application_name: sql<string>`current_setting('application_name')`,
        hostname: hostname(),
        result: 'running',
        finished_at: null,
        duration_ms: null,
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(row.id);
  }

  /** Closes an event with its result; an event left `running` is a run that died (see closeInterruptedEvents). */
  async finishEvent(id: string, result: Exclude<EventResult, 'running'>, error?: string): Promise<void> {
    await this.db
      .updateTable(this.events)
      .set({
        result,
        error: error ?? null,
        finished_at: sql`clock_timestamp()`,
        duration_ms: sql`(extract(epoch FROM clock_timestamp() - started_at) * 1000)::integer`,
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Marks events still `running` as `interrupted`: called under the runner
   * lock, when no other runner can be at work, so they are runs that died.
   */
  async closeInterruptedEvents(): Promise<number> {
    const result = await this.db
      .updateTable(this.events)
      .set({ result: 'interrupted', error: 'the runner stopped before the phase finished (killed, or its connection was lost)' })
      .where('result', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** The latest phase run of each migration, newest first per version; empty before the first run. */
  async lastRuns(): Promise<PhaseRun[]> {
    if (!(await this.exists())) return [];
    const { rows } = await sql<{ version: string; phase: string; result: string; error: string | null; started_at: Date; finished_at: Date | null; application_name: string; hostname: string }>`
      SELECT DISTINCT ON (version) version, phase, result, error, started_at, finished_at, application_name, hostname
        FROM ${sql.id(this.schema, this.events)} ORDER BY version, id DESC`.execute(this.db);
    return rows.map((row) => ({
      version: row.version,
      phase: row.phase as Phase,
      result: row.result as EventResult,
      ...(row.error ? { error: row.error } : {}),
      startedAt: new Date(row.started_at).toISOString(),
      ...(row.finished_at ? { finishedAt: new Date(row.finished_at).toISOString() } : {}),
      by: `${row.application_name || 'unnamed'}@${row.hostname}`,
    }));
  }

  private async get(version: string): Promise<MigrationRecord> {
    const row = await this.db.selectFrom(this.migrations).selectAll().where('version', '=', version).executeTakeFirstOrThrow();
    return toRecord(row);
  }
}

function toRecord(row: { version: string; name: string; path: string; state: string; phases: unknown; checkpoint_phase: string | null; checkpoint_actions: number; backfill: unknown; updated_at: Date }): MigrationRecord {
  return {
    version: row.version,
    name: row.name,
    path: row.path,
    state: row.state as MigrationStateName,
    phases: (row.phases ?? {}) as MigrationRecord['phases'],
    checkpoint: row.checkpoint_phase ? { phase: row.checkpoint_phase as Phase, actionsDone: row.checkpoint_actions } : null,
    backfill: (row.backfill ?? null) as MigrationRecord['backfill'],
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
