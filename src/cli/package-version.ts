import { readFileSync } from 'node:fs';

/** pgtandem's own version, read from its package.json (found from this file: in src/, dist/ or the bundled CLI in dist/src/cli/bundle/). */
export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pgtandem' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
}
