import type { Node } from '@pgsql/types';
import type { MigrationFile } from '../migrations/migration.js';
import { nestedStatements } from '../sql/nested-statements.js';
import { parseSegment } from '../sql/parse-segment.js';
import type { Statement } from '../sql/statement.js';
import { Catalog } from './catalog.js';
import { alterEnum, alterSequence, createEnum, createIndex, createSequence, drop, rename, setSchema } from './replay-objects.js';
import { ReplayScope } from './replay-scope.js';
import { alterTable, createTable } from './replay-table.js';
import { createView } from './replay-view.js';
import { alterPublication, createPublication } from './replay-publication.js';
import { SearchPath } from './search-path.js';

/**
 * Applies one statement to the catalog, in place: what it creates, alters,
 * renames or drops. Statements the catalog does not model, and statements
 * about objects it does not know, leave it unchanged; nothing here throws on
 * SQL that Postgres would reject. The statement is assumed to have succeeded.
 * `searchPath` is the session's, for unqualified names (first schema: where new objects go).
 */
export function replayStatement(catalog: Catalog, statement: Statement, searchPath: readonly string[]): void {
  // A function body runs when the function is called, not when the migration runs.
  if (!statement.node || statement.container?.kind === 'function') return;
  replayNode(new ReplayScope(catalog, searchPath, statement), statement.node);
}

function replayNode(scope: ReplayScope, node: Node): void {
  if ('CreateStmt' in node) createTable(scope, node.CreateStmt);
  else if ('AlterTableStmt' in node) {
    const alter = node.AlterTableStmt;
    if (alter.objtype === 'OBJECT_SEQUENCE') return;
    alterTable(scope, alter);
  } else if ('IndexStmt' in node) createIndex(scope, node.IndexStmt);
  else if ('DropStmt' in node) drop(scope, node.DropStmt);
  else if ('RenameStmt' in node) rename(scope, node.RenameStmt);
  else if ('AlterObjectSchemaStmt' in node) setSchema(scope, node.AlterObjectSchemaStmt);
  else if ('CreateEnumStmt' in node) createEnum(scope, node.CreateEnumStmt.typeName, node.CreateEnumStmt.vals);
  else if ('AlterEnumStmt' in node) alterEnum(scope, node.AlterEnumStmt);
  else if ('ViewStmt' in node) {
    const view = node.ViewStmt;
    createView(scope, view.view, view.query, false, view.replace === true);
  } else if ('CreateTableAsStmt' in node) {
    const create = node.CreateTableAsStmt;
    // CREATE TABLE AS gives columns the types of a query's results, which the parse tree does not tell: not modelled.
    if (create.objtype === 'OBJECT_MATVIEW') createView(scope, create.into?.rel, create.query, true, false);
  } else if ('CreateSeqStmt' in node) createSequence(scope, node.CreateSeqStmt);
  else if ('AlterSeqStmt' in node) alterSequence(scope, node.AlterSeqStmt.sequence, node.AlterSeqStmt.options);
  else if ('CreateSchemaStmt' in node) createSchema(scope, node.CreateSchemaStmt);
  else if ('CreatePublicationStmt' in node) createPublication(scope, node.CreatePublicationStmt);
  else if ('AlterPublicationStmt' in node) alterPublication(scope, node.AlterPublicationStmt);
}

function createSchema(scope: ReplayScope, stmt: { schemaname?: string; schemaElts?: Node[] }): void {
  const name = stmt.schemaname;
  if (name === undefined) return;
  scope.catalog.schemas.add(name);
  // CREATE SCHEMA s CREATE TABLE t …: the elements are created in the new schema.
  const inner = new ReplayScope(scope.catalog, [name, ...scope.searchPath], scope.statement);
  for (const element of stmt.schemaElts ?? []) replayNode(inner, element);
}

export interface ReplayOptions {
  /** Where the history starts (a live database's catalog); copied, never changed. Defaults to an empty database. */
  catalog?: Catalog;
}

/**
 * The catalog after `files` ran, in the given (version) order: each file's
 * expand, migrate and contract statements — abort sections are what a
 * rolled-back deploy runs, not part of the history. DO blocks count with the
 * statements they run; `SET search_path` is followed within each session.
 */
export function replayMigrations(files: readonly MigrationFile[], options: ReplayOptions = {}): Catalog {
  const catalog = options.catalog ? options.catalog.clone() : new Catalog();
  for (const file of files) replayFile(catalog, file);
  return catalog;
}

/** Applies one migration file's history (all but abort) to `catalog`, in place; with `until`, only the statements that start before that offset. */
export function replayFile(catalog: Catalog, file: MigrationFile, until = Infinity): void {
  const searchPath = new SearchPath(file);
  for (const segment of file.segments) {
    if (segment.phase === 'abort') continue;
    for (const statement of parseSegment(file.text, segment).statements) {
      if (statement.start >= until) return;
      for (const each of [statement, ...nestedStatements(statement)]) {
        searchPath.enter(each);
        replayStatement(catalog, each, searchPath.schemas);
        searchPath.leave(each);
      }
    }
  }
}
