import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { tempDir } from './temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/pgtandem.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `node bin/pgtandem.js …` child process (the built CLI: run `npm run build` first). */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  return startCli(args, options).done;
}

/** A temp directory holding the given migration files. */
export function migrationsDir(files: Record<string, string>): string {
  const dir = tempDir('pgtandem-runner-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The user-visible schema (tables, columns, indexes with validity, constraints), outside pgtandem's own. */
export async function schemaShape(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END AS line
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index ' || c.relname || ' on ' || t.relname || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
    ORDER BY 1`);
  return rows.map((r) => r.line);
}

export interface StatusJson {
  migrations: {
    version: string;
    name: string;
    state: string;
    phases: Record<string, { startedAt: string; finishedAt?: string }>;
    inProgress?: { phase: string; actionsDone: number };
    lastRun?: { phase: string; result: string; error?: string; rerunCanHelp: boolean; advice: string };
  }[];
  next: string;
}

/** `pgtandem status --format json`, parsed; the states by version for short assertions. */
export async function status(dir: string, url: string): Promise<StatusJson & { states: Record<string, string> }> {
  const run = await runCli(['status', '--format', 'json', '--dir', dir], { cwd: dir, env: { DATABASE_URL: url } });
  if (run.code !== 0) throw new Error(`status failed (${run.code}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as StatusJson;
  return { ...report, states: Object.fromEntries(report.migrations.map((m) => [m.version, m.state])) };
}
