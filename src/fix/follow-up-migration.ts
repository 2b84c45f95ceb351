import { basename, dirname, join } from 'node:path';
import type { MigrationFile } from '../migrations/migration.js';
import { nextVersion } from '../recipes/migration-version.js';

/** A migration to add after a file, in its tool's own convention: what `--fix` writes the statements that must wait for another transaction into. */
export interface FollowUp {
  /** The files to write for `sql` (the forward file, and the down file or section its tool expects). */
  files(sql: readonly string[]): { path: string; text: string }[];
  /** The forward file's path. */
  path: string;
}

/**
 * The migration that runs right after `file` in its tool: the next version
 * in the folder's scheme (timestamps: now; counters: the next number), the
 * file's name plus `_validate`, its tool's file name pattern and markers.
 * `siblings` are the names in the file's history folder. A tool that keeps
 * a journal (Drizzle) has no follow-up a fix can add.
 */
export function followUpMigration(file: MigrationFile, siblings: readonly string[], now: Date): FollowUp | { reason: string } {
  if (file.layout === 'drizzle') return { reason: 'drizzle-kit lists its migrations in meta/_journal.json: add one with drizzle-kit generate --custom' };
  const wrapped = file.layout === 'prisma' || file.layout === 'diesel';
  const own = wrapped ? basename(dirname(file.path)) : basename(file.path);
  const folder = wrapped ? dirname(dirname(file.path)) : dirname(file.path);
  const name = `${file.name}_validate`;
  const named = (text: string, version: string): string => {
    const at = text.indexOf(file.name);
    return at === -1 ? text : `${text.slice(0, at)}${name}${text.slice(at + file.name.length)}`.replace(VERSION, (_all, prefix: string) => `${prefix}${version}`);
  };
  if (file.layout === 'diesel') {
    const folderName = `${dieselStamp(now)}_${name}`;
    return files(join(folder, folderName, 'up.sql'), (sql) => [
      { path: join(folder, folderName, 'up.sql'), text: sql },
      { path: join(folder, folderName, 'down.sql'), text: NOTHING_TO_UNDO },
    ]);
  }
  const versions = [...siblings, own].map((n) => VERSION.exec(n)?.[2]).filter((v): v is string => v !== undefined);
  const version = nextVersion(versions, now);
  if (file.layout === 'prisma') {
    const path = join(folder, named(own, version), 'migration.sql');
    return files(path, (sql) => [{ path, text: sql }]);
  }
  if (!VERSION.test(own) || !own.includes(file.name)) return { reason: `${own} has no version to follow: validate it in the next migration` };
  const path = join(folder, named(own, version).replace(/\.autocommit\./, '.'));
  return files(path, (sql) => {
    if (file.layout === 'goose') return [{ path, text: `-- +goose Up\n${sql}\n-- +goose Down\n${NOTHING_TO_UNDO}` }];
    if (file.layout === 'dbmate') return [{ path, text: `-- migrate:up\n${sql}\n-- migrate:down\n${NOTHING_TO_UNDO}` }];
    if (/\.up\.sql$/.test(path)) return [{ path, text: sql }, { path: path.replace(/\.up\.sql$/, '.down.sql'), text: NOTHING_TO_UNDO }];
    return [{ path, text: sql }];
  });
}

/** The version at the start of a file or folder name (Flyway's after its V). */
const VERSION = /^([VU]?)(\d+)/;

const NOTHING_TO_UNDO = '-- VALIDATE CONSTRAINT changes no schema: nothing to undo.\n';

function files(path: string, render: (sql: string) => { path: string; text: string }[]): FollowUp {
  return { path, files: (sql) => render(`${sql.join('\n')}\n`) };
}

/** Diesel's folder version: `YYYY-MM-DD-HHMMSS` (UTC). */
function dieselStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
