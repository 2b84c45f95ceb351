import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FULL = join(ROOT, '../shared/corpus');
const FIXTURES = join(ROOT, 'test/fixtures/adopt');

/** Whether the full corpus (../shared/corpus) is here; CI clones have only the fixtures (PGTANDEM_ADOPT_FIXTURES=1 uses them anyway). */
export const FULL_CORPUS = existsSync(FULL) && process.env.PGTANDEM_ADOPT_FIXTURES !== '1';

/**
 * Copies a corpus project's migrations into `target` (created), in the
 * project's own layout: from the full corpus when present (the first `full`
 * entries, all when undefined), else from the licensed prefix in
 * test/fixtures/adopt. `keep` drops entries (files or migration folders).
 * Returns how many entries were copied.
 */
export function copyProject(project: string, target: string, options: { full?: number; keep?: (name: string) => boolean } = {}): number {
  const source = FULL_CORPUS ? join(FULL, project) : join(FIXTURES, project);
  let names = readdirSync(source)
    .filter((n) => n !== 'LICENSE' && n !== 'README.md')
    .filter((n) => options.keep?.(n) ?? true)
    .sort();
  if (FULL_CORPUS && options.full !== undefined) names = names.slice(0, options.full);
  for (const name of names) cpSync(join(source, name), join(target, name), { recursive: true });
  return names.length;
}
