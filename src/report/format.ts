import type { LintResult } from '../lint/finding.js';
import type { RuleMeta } from '../lint/rule-meta.js';
import { formatGithub } from './github.js';
import { formatJson, type VerifyExtras } from './json.js';
import { formatMarkdown } from './markdown.js';
import { formatPretty } from './pretty.js';
import { formatSarif } from './sarif.js';
import type { Format } from './formats.js';

export { FORMATS, isFormat, type Format } from './formats.js';

export interface FormatOptions {
  /** Rule metadata for SARIF's rule table. */
  rules: readonly RuleMeta[];
  /** Only the pretty format colours its output. */
  color: boolean;
  toolVersion: string;
}

/** Renders a lint result in the chosen format (verify's seed report and forecasts go into JSON only); the caller decides where it goes. */
export function formatResult(format: Format, result: LintResult & VerifyExtras, options: FormatOptions): string {
  switch (format) {
    case 'pretty':
      return formatPretty(result, { color: options.color });
    case 'json':
      return formatJson(result);
    case 'sarif':
      return formatSarif(result, options.rules, options.toolVersion);
    case 'github':
      return formatGithub(result);
    case 'markdown':
      return formatMarkdown(result);
  }
}
