import { dirname } from 'node:path';
import { defaultConfig, loadConfig } from './config.js';
import { rules } from './lint.js';
import { loadPluginRules } from './plugins.js';
import type { Rule } from './rule.js';

/** The built-in rules and the project's own (`plugins` in its config), as `lint` runs them. */
export async function projectRules(options: { cwd: string; configFile?: string | false }): Promise<readonly Rule[]> {
  const ids = rules.map((r) => r.id);
  const loaded =
    options.configFile === false
      ? { config: defaultConfig(), path: undefined }
      : await loadConfig({ cwd: options.cwd, knownRules: ids, ...(options.configFile ? { explicitPath: options.configFile } : {}) });
  const plugins = loaded.config.plugins;
  if (!plugins?.length) return rules;
  return [...rules, ...(await loadPluginRules(plugins, loaded.path ? dirname(loaded.path) : options.cwd, ids))];
}
