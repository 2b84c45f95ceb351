import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { projectRules } from '../../lint/project-rules.js';
import { renderRuleDoc, renderRuleIndexDoc } from '../../lint/rule-doc.js';
import { EXIT } from '../exit-code.js';
import type { CliIO } from '../io.js';

export interface DocsCommandOptions {
  out: string;
  config?: string;
}

/** `pgtandem docs --out <dir>`: a page per rule, the project's own rules included, and an index. */
export async function docsCommand(options: DocsCommandOptions, io: CliIO): Promise<number> {
  const rules = await projectRules({ cwd: io.cwd, ...(options.config ? { configFile: options.config } : {}) });
  const out = resolve(io.cwd, options.out);
  await mkdir(out, { recursive: true });
  for (const rule of rules) await writeFile(join(out, `${rule.id}.md`), renderRuleDoc(rule));
  await writeFile(join(out, 'README.md'), renderRuleIndexDoc(rules));
  io.stdout(`wrote ${rules.length} rule pages and README.md to ${options.out}\n`);
  return EXIT.ok;
}
