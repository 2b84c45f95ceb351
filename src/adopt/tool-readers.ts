import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type pg from 'pg';
import { drizzleHash, flywayChecksum, prismaChecksum } from './tool-checksums.js';
import type { FileVerdict, HistoryTool, ToolFile } from './tool-history.js';

export interface ToolReading {
  verdicts: FileVerdict[];
  orphans: string[];
}

/** Reads a tool's history table (already found, `table` quoted) and judges each file by the tool's own rules. */
export type ToolReader = (client: pg.ClientBase, table: string, files: readonly ToolFile[]) => Promise<ToolReading>;

/** `0042`, `42` and `0042` are one version; a version without digits stays as it is. */
export function sameNumber(a: string, b: string): boolean {
  return stripZeros(a) === stripZeros(b);
}

function stripZeros(digits: string): string {
  return /^\d+$/.test(digits) ? digits.replace(/^0+(?=\d)/, '') : digits;
}

const iso = (value: Date | string | null | undefined): string | undefined => (value ? new Date(value).toISOString() : undefined);

/** Files judged by an id each: the table's rows keyed by id, files without a row pending. */
function byId<Row>(files: readonly ToolFile[], rows: readonly Row[], idOfFile: (f: ToolFile) => string, idOfRow: (r: Row) => string, judge: (f: ToolFile, rows: Row[]) => Omit<FileVerdict, 'file'>): ToolReading {
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(stripZeros(idOfRow(row)), [...(groups.get(stripZeros(idOfRow(row))) ?? []), row]);
  const used = new Set<string>();
  const verdicts = files.map((f): FileVerdict => {
    const id = stripZeros(idOfFile(f));
    const mine = groups.get(id);
    if (!mine) return { file: f.file, applied: false };
    used.add(id);
    return { file: f.file, ...judge(f, mine) };
  });
  return { verdicts, orphans: [...groups.keys()].filter((id) => !used.has(id)) };
}

function mismatch(recorded: string | null | undefined, file: string): Pick<FileVerdict, 'checksumMismatch'> {
  return recorded !== null && recorded !== undefined && recorded !== file ? { checksumMismatch: { recorded, file } } : {};
}

/**
 * Prisma Migrate: one row per attempt, keyed by the folder name. Applied: a
 * row finished and not rolled back. Unfinished and not rolled back: the
 * migration failed, and `prisma migrate deploy` stops there (P3009) until
 * `prisma migrate resolve`. Only rolled back: Prisma runs it again.
 */
const prisma: ToolReader = async (client, table, files) => {
  const { rows } = await client.query<{ migration_name: string; checksum: string; started_at: Date; finished_at: Date | null; rolled_back_at: Date | null }>(
    `SELECT migration_name, checksum, started_at, finished_at, rolled_back_at FROM ${table} ORDER BY started_at, migration_name`,
  );
  return byId(files, rows, (f) => basename(dirname(f.absolutePath)), (r) => r.migration_name, (f, mine) => {
    const done = mine.filter((r) => r.finished_at && !r.rolled_back_at).at(-1);
    if (done) return { applied: true, appliedAt: iso(done.finished_at)!, ...mismatch(done.checksum, prismaChecksum(f.bytes)) };
    const last = mine.at(-1)!;
    if (last.rolled_back_at) return { applied: false, problem: 'rolled back in _prisma_migrations (prisma migrate resolve --rolled-back): prisma migrate deploy runs it again' };
    return { applied: false, problem: `failed in prisma migrate deploy (started ${iso(last.started_at)}, never finished): Prisma applies nothing after it until prisma migrate resolve` };
  });
};

/**
 * Flyway: rows ranked by installed_rank. A versioned file is applied when its
 * version's last row succeeded (and was not undone), or when a BASELINE row
 * is at or above its version (Flyway treats those as applied). A repeatable
 * (`R__`) counts as applied only with a successful row of its current
 * checksum: once changed, Flyway runs it again.
 */
const flyway: ToolReader = async (client, table, files) => {
  const { rows } = await client.query<{ version: string | null; script: string; checksum: number | null; success: boolean; type: string; installed_on: Date }>(
    `SELECT version, script, checksum, success, type, installed_on FROM ${table} ORDER BY installed_rank`,
  );
  const parts = (v: string): string[] => trimZeroParts(v.split(/[._]/).map(stripZeros));
  const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const baseline = rows.filter((r) => r.type === 'BASELINE' && r.version !== null && r.success).at(-1);
  const used = new Set<(typeof rows)[number]>();
  const verdicts = files.map((f): FileVerdict => {
    const checksum = String(flywayChecksum(f.bytes));
    if (f.file.version.length === 0) {
      const mine = rows.filter((r) => r.version === null && basename(r.script) === basename(f.absolutePath));
      mine.forEach((r) => used.add(r));
      const current = mine.filter((r) => r.success && String(r.checksum) === checksum).at(-1);
      if (current) return { file: f.file, applied: true, appliedAt: iso(current.installed_on)! };
      if (mine.length === 0) return { file: f.file, applied: false };
      return { file: f.file, applied: false, problem: 'a repeatable migration changed since flyway migrate last ran it: Flyway runs it again' };
    }
    const version = trimZeroParts(f.file.version.map(stripZeros));
    const mine = rows.filter((r) => r.version !== null && r.type !== 'BASELINE' && same(parts(r.version), version));
    mine.forEach((r) => used.add(r));
    const last = mine.at(-1);
    if (!last) {
      if (baseline && compareParts(version, parts(baseline.version!)) <= 0) {
        return { file: f.file, applied: true, appliedAt: iso(baseline.installed_on)!, note: `at or below Flyway's baseline ${baseline.version}` };
      }
      return { file: f.file, applied: false };
    }
    if (last.type.startsWith('UNDO')) return { file: f.file, applied: false, problem: 'undone by flyway undo' };
    if (!last.success) return { file: f.file, applied: false, problem: 'failed in flyway migrate (success = false): Flyway applies nothing after it until flyway repair' };
    return { file: f.file, applied: true, appliedAt: iso(last.installed_on)!, ...mismatch(last.checksum === null ? null : String(last.checksum), checksum) };
  });
  const orphans = rows.filter((r) => !used.has(r) && r.success && (r.type === 'SQL' || r.type === 'JDBC')).map((r) => r.version ?? r.script);
  return { verdicts, orphans };
};

function trimZeroParts(parts: string[]): string[] {
  const out = [...parts];
  while (out.length > 1 && out.at(-1) === '0') out.pop();
  return out;
}

function compareParts(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = BigInt(a[i] ?? '0');
    const y = BigInt(b[i] ?? '0');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * golang-migrate keeps one row: the version reached and whether it is dirty
 * (a migration started and did not finish). Every file below it is applied;
 * the dirty one is not (`migrate force` after repairing it by hand).
 */
const golangMigrate: ToolReader = async (client, table, files) => {
  const { rows } = await client.query<{ version: string; dirty: boolean }>(`SELECT version::text AS version, dirty FROM ${table}`);
  const row = rows[0];
  const verdicts = files.map((f): FileVerdict => {
    if (!row || f.file.version.length === 0) return { file: f.file, applied: false };
    const order = compareParts([stripZeros(f.file.version.join(''))], [stripZeros(row.version)]);
    if (order < 0) return { file: f.file, applied: true };
    if (order === 0) return row.dirty ? { file: f.file, applied: false, problem: 'dirty in schema_migrations: golang-migrate stopped partway through it (repair it, then migrate force)' } : { file: f.file, applied: true };
    return { file: f.file, applied: false };
  });
  const matched = row && files.some((f) => f.file.version.length > 0 && sameNumber(f.file.version.join(''), row.version));
  return { verdicts, orphans: row && !matched && row.version !== '-1' ? [row.version] : [] };
};

/** goose logs every up and down; a version's last row (by id) decides. version_id 0 is goose's own first row. */
const goose: ToolReader = async (client, table, files) => {
  const { rows } = await client.query<{ version_id: string; is_applied: boolean; tstamp: Date | null }>(
    `SELECT version_id::text AS version_id, is_applied, tstamp FROM ${table} WHERE version_id <> 0 ORDER BY id`,
  );
  return byId(files, rows, (f) => f.file.version.join(''), (r) => r.version_id, (_f, mine) => {
    const last = mine.at(-1)!;
    return last.is_applied ? { applied: true, ...(last.tstamp ? { appliedAt: iso(last.tstamp)! } : {}) } : { applied: false, problem: 'rolled back by goose down' };
  });
};

/** dbmate, diesel and popx: a row per applied version, nothing else. */
const rowPerVersion =
  (column: string, idOfFile: (f: ToolFile) => string, at?: string): ToolReader =>
  async (client, table, files) => {
    const { rows } = await client.query<{ version: string; at: Date | null }>(`SELECT ${column}::text AS version, ${at ?? 'NULL::timestamptz'} AS at FROM ${table}`);
    return byId(files, rows, idOfFile, (r) => r.version, (_f, mine) => ({ applied: true, ...(mine[0]!.at ? { appliedAt: iso(mine[0]!.at)! } : {}) }));
  };

/** Diesel stores the folder name's version with its dashes removed: `2024-04-12-144026_x` → `20240412144026`. */
const dieselId = (f: ToolFile): string => basename(dirname(f.absolutePath)).split('_')[0]!.replace(/-/g, '');

/**
 * Drizzle applies, in one transaction, every journal entry whose time
 * (`when`, in `meta/_journal.json`) is later than the newest `created_at`
 * recorded — so an entry at or below that mark without a row of its own was
 * skipped and never ran. Without a journal, files are matched by hash.
 */
const drizzle: ToolReader = async (client, table, files) => {
  const { rows } = await client.query<{ hash: string; created_at: string | null }>(`SELECT hash, created_at::text AS created_at FROM ${table} ORDER BY id`);
  const mark = rows.reduce<bigint | undefined>((max, r) => (r.created_at !== null && (max === undefined || BigInt(r.created_at) > max) ? BigInt(r.created_at) : max), undefined);
  const used = new Set<(typeof rows)[number]>();
  const journals = new Map<string, Map<string, bigint> | undefined>();
  const verdicts = files.map((f): FileVerdict => {
    const hash = drizzleHash(f.bytes);
    const when = journalTime(f.absolutePath, journals);
    if (when === undefined) {
      const row = rows.find((r) => r.hash === hash);
      if (row) used.add(row);
      return row ? { file: f.file, applied: true, ...(row.created_at ? { appliedAt: new Date(Number(row.created_at)).toISOString() } : {}) } : { file: f.file, applied: false };
    }
    const row = rows.find((r) => r.created_at !== null && BigInt(r.created_at) === when);
    if (row) {
      used.add(row);
      return { file: f.file, applied: true, ...mismatch(row.hash, hash) };
    }
    if (mark !== undefined && when <= mark) {
      return { file: f.file, applied: false, problem: 'skipped by drizzle-kit migrate: its journal time is older than the newest applied migration, so Drizzle never ran it' };
    }
    return { file: f.file, applied: false };
  });
  return { verdicts, orphans: rows.filter((r) => !used.has(r)).map((r) => r.created_at ?? r.hash) };
};

/** The journal `when` (ms) of a Drizzle file, from `meta/_journal.json` beside it. */
function journalTime(path: string, journals: Map<string, Map<string, bigint> | undefined>): bigint | undefined {
  const journal = join(dirname(path), 'meta', '_journal.json');
  if (!journals.has(journal)) journals.set(journal, readJournal(journal));
  return journals.get(journal)?.get(basename(path));
}

/** `NNNN_name.sql` → `when`, from one journal; undefined when there is none or it cannot be read. */
function readJournal(journal: string): Map<string, bigint> | undefined {
  if (!existsSync(journal)) return undefined;
  try {
    const { entries } = JSON.parse(readFileSync(journal, 'utf8')) as { entries?: { tag?: string; when?: number }[] };
    return new Map((entries ?? []).filter((e) => typeof e.when === 'number').map((e) => [`${e.tag}.sql`, BigInt(e.when!)]));
  } catch {
    return undefined;
  }
}

export const TOOL_READERS: Readonly<Record<HistoryTool, ToolReader>> = {
  prisma,
  flyway,
  'golang-migrate': golangMigrate,
  goose,
  dbmate: rowPerVersion('version', (f) => f.file.version.join('')),
  drizzle,
  diesel: rowPerVersion('version', dieselId, 'run_on'),
  popx: rowPerVersion('version', (f) => f.file.version.join('')),
};
