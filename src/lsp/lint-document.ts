import { dirname } from 'node:path';
import type { Finding } from '../lint/finding.js';
import { lint } from '../lint/lint.js';
import type { HistoryCatalogs } from '../lint/history-catalogs.js';

/**
 * Lints one open document as `pgtandem lint <file>` would: the config found
 * from its folder up, and the schema its folder's earlier migrations leave.
 * Configuration errors come back as the error (the editor shows them once).
 */
export async function lintDocument(path: string, text: string, histories: HistoryCatalogs): Promise<Finding[]> {
  const catalog = await histories.before(path, text);
  const result = await lint({ sources: [{ path, text }], cwd: dirname(path), catalog });
  return result.findings.filter((f) => f.file === path);
}
