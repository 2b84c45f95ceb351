import type { ScriptLanguage } from './migration.js';

// `<digits>_<name>.ts`; declaration files (`.d.ts`) are types, not migrations.
const NAME = /^(\d+)_(.+)\.(ts|mts|js|mjs)$/;
const DECLARATION = /\.d\.m?ts$/;

/** What a script migration's file name says: `0004_backfill_emails.ts` → version 0004, TypeScript. */
export interface ScriptName {
  version: string;
  name: string;
  language: ScriptLanguage;
}

/** Reads a native script migration's file name; undefined for any other file. */
export function parseScriptName(base: string): ScriptName | undefined {
  if (DECLARATION.test(base)) return undefined;
  const match = NAME.exec(base);
  if (!match) return undefined;
  const extension = match[3] as string;
  return { version: match[1] as string, name: match[2] as string, language: extension.endsWith('ts') ? 'typescript' : 'javascript' };
}
