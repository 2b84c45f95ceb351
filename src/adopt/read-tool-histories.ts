import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type pg from 'pg';
import type { MigrationFile } from '../migrations/migration.js';
import { TOOL_READERS } from './tool-readers.js';
import { findToolTable, HISTORY_TOOLS, TOOL_TABLES, TOOLS_OF_LAYOUT, type HistoryTool, type ToolFile, type ToolHistory } from './tool-history.js';

/** The files with the bytes their tool hashes; SQL files only (a TypeScript migration is pgtandem's). */
export async function toolFiles(files: readonly MigrationFile[], cwd: string): Promise<ToolFile[]> {
  return Promise.all(
    files
      .filter((file) => !file.script && TOOLS_OF_LAYOUT[file.layout].length > 0)
      .map(async (file) => {
        const absolutePath = resolve(cwd, file.path);
        return { file, absolutePath, bytes: await readFile(absolutePath) };
      }),
  );
}

/**
 * Reads, for each layout among the files, the history table of the tool that
 * applies it (the first of its tools whose table is in the database) and its
 * verdict on each file of that layout. Layouts whose tool left no table are
 * absent. Reads only.
 */
export async function readToolHistories(client: pg.ClientBase, files: readonly ToolFile[]): Promise<ToolHistory[]> {
  const byLayout = new Map<string, ToolFile[]>();
  for (const f of files) byLayout.set(f.file.layout, [...(byLayout.get(f.file.layout) ?? []), f]);
  const histories: ToolHistory[] = [];
  for (const group of byLayout.values()) {
    for (const tool of TOOLS_OF_LAYOUT[group[0]!.file.layout]) {
      const table = await findToolTable(client, TOOL_TABLES[tool]);
      if (!table) continue;
      const reading = await TOOL_READERS[tool](client, table.sql, group);
      histories.push({ tool, table: table.display, ...reading });
      break;
    }
  }
  return histories;
}

/** Every tool history table in the database, whatever the files: for status, and to leave them out of schema checks. */
export async function findToolTables(client: pg.ClientBase): Promise<{ tool: HistoryTool; table: string }[]> {
  const found: { tool: HistoryTool; table: string }[] = [];
  for (const tool of HISTORY_TOOLS) {
    const table = await findToolTable(client, TOOL_TABLES[tool]);
    if (table) found.push({ tool, table: table.display });
  }
  return found;
}
