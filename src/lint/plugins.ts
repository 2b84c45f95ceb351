import { relative } from 'node:path';
import { ConfigError } from '../errors.js';
import { importProjectModule } from '../migrations/load-script.js';
import type { MigrationFile } from '../migrations/migration.js';
import { PHASES } from '../migrations/phase.js';
import { defineRule, type Rule } from './rule.js';

const CATEGORIES = new Set(['correctness', 'lock', 'compat', 'transaction', 'style']);
const SEVERITIES = new Set(['error', 'warn', 'info']);

/** What is wrong with an export that should be a rule, or undefined. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'is not a rule object (write it with defineRule({...}))';
  const rule = value as Partial<Rule>;
  if (typeof rule.id !== 'string' || !/^[a-z]+(-[a-z]+)*$/.test(rule.id)) return `has no valid id (lower-case words joined by "-"), got ${JSON.stringify(rule.id)}`;
  if (typeof rule.check !== 'function') return `${rule.id}: check(statement, context) is not a function`;
  if (!CATEGORIES.has(rule.category as string)) return `${rule.id}: category must be one of ${[...CATEGORIES].join(', ')}`;
  if (!SEVERITIES.has(rule.severity as string)) return `${rule.id}: severity must be error, warn or info`;
  if (!Array.isArray(rule.phases) || rule.phases.length === 0 || rule.phases.some((p) => !(PHASES as readonly string[]).includes(p))) return `${rule.id}: phases must list some of ${PHASES.join(', ')}`;
  for (const key of ['summary', 'why', 'fix'] as const) if (typeof rule[key] !== 'string' || rule[key] === '') return `${rule.id}: ${key} must be a non-empty string`;
  if (!rule.examples || !Array.isArray(rule.examples.bad) || !Array.isArray(rule.examples.good)) return `${rule.id}: examples must have bad and good lists of SQL`;
  if (rule.docs !== undefined && (typeof rule.docs !== 'string' || !/^https?:\/\/\S+$/.test(rule.docs))) return `${rule.id}: docs must be the URL of the rule's documentation`;
  return undefined;
}

/**
 * A plugin rule whose check throws reports it once per migration file, as a
 * finding of its own naming the plugin file, instead of stopping the lint:
 * the other rules still run.
 */
function guarded(rule: Rule, file: string): Rule {
  const failed = new WeakSet<MigrationFile>();
  return defineRule({
    ...rule,
    check(statement, context) {
      try {
        rule.check(statement, context);
      } catch (error) {
        if (failed.has(context.file)) return;
        failed.add(context.file);
        context.report({
          message: `The rule ${rule.id} (${file}) failed on this statement: ${error instanceof Error ? error.message : String(error)}. Its findings in the rest of this file are missing.`,
          help: `Fix the rule in ${file}, or turn it off with "rules": { "${rule.id}": "off" }.`,
        });
      }
    },
  });
}

/**
 * Loads the project's own rules from `plugins` (files or globs relative to
 * `baseDir`). A file that matches nothing, does not load or exports something
 * that is not a rule is a ConfigError naming it; an id already taken too.
 */
export async function loadPluginRules(patterns: readonly string[], baseDir: string, takenIds: readonly string[]): Promise<Rule[]> {
  const taken = new Set(takenIds);
  const loaded: Rule[] = [];
  // Loaded on use: only a config with plugins needs it.
  const { glob } = await import('tinyglobby');
  for (const pattern of patterns) {
    const files = (await glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true })).sort();
    if (files.length === 0) throw new ConfigError('plugins', `"${pattern}" matches no file (relative to ${baseDir})`);
    for (const path of files) {
      const shown = relative(process.cwd(), path) || path;
      const module = await importProjectModule(shown, path);
      const exported = module.default ?? module.rules;
      const candidates = Array.isArray(exported) ? exported : [exported];
      for (const candidate of candidates) {
        const problem = problemOf(candidate);
        if (problem) throw new ConfigError(shown, `the default export ${problem}`);
        const rule = candidate as Rule;
        if (taken.has(rule.id)) throw new ConfigError(shown, `rule id "${rule.id}" is taken already (a built-in rule, or another plugin)`);
        taken.add(rule.id);
        loaded.push(guarded(rule, shown));
      }
    }
  }
  return loaded;
}
