import type { Finding, LintResult } from '../lint/finding.js';
import { helpWithRecipe, ruleDocsUrl, type RuleMeta } from '../lint/rule-meta.js';
import type { Severity } from '../lint/severity.js';
import { sortFindings } from './sort-findings.js';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFORMATION_URI = 'https://github.com/pgtandem/pgtandem';
/** Relative paths are resolved by the consumer (GitHub code scanning: the checkout root). */
const SRCROOT = '%SRCROOT%';

type SarifLevel = 'error' | 'warning' | 'note';

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
  index?: number;
}

/**
 * SARIF 2.1.0 for code-scanning uploads. Columns are code points, which SARIF
 * supports natively through `columnKind`, so positions pass through unchanged.
 */
export function formatSarif(
  result: LintResult,
  rules: readonly RuleMeta[],
  toolVersion: string,
): string {
  const ruleIndex = new Map<string, number>();
  rules.forEach((rule, index) => {
    if (!ruleIndex.has(rule.id)) ruleIndex.set(rule.id, index);
  });
  const artifactIndex = new Map<string, number>();
  result.files.forEach((file, index) => {
    if (!artifactIndex.has(file.path)) artifactIndex.set(file.path, index);
  });

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pgtandem',
            version: toolVersion,
            informationUri: INFORMATION_URI,
            rules: rules.map(toReportingDescriptor),
          },
        },
        artifacts: result.files.map((file) => ({
          location: artifactLocation(file.path),
          sourceLanguage: 'sql',
        })),
        results: sortFindings(result).map((finding) =>
          toResult(finding, ruleIndex.get(finding.rule), artifactIndex.get(finding.file)),
        ),
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function toReportingDescriptor(rule: RuleMeta) {
  const docs = ruleDocsUrl(rule);
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.why },
    help: { text: helpWithRecipe(rule.fix, rule.recipe), markdown: `${helpWithRecipe(rule.fix, rule.recipe)}\n\n[Documentation for \`${rule.id}\`](${docs})` },
    helpUri: docs,
    defaultConfiguration: { level: sarifLevel(rule.severity) },
    properties: { category: rule.category, phases: [...rule.phases], tags: [rule.category] },
  };
}

function toResult(finding: Finding, ruleIndex: number | undefined, artifact: number | undefined) {
  const location = artifactLocation(finding.file);
  if (artifact !== undefined) location.index = artifact;
  // A rule the caller did not describe (e.g. unused-ignore) still gets a valid result.
  const indexed = ruleIndex === undefined ? {} : { ruleIndex };
  return {
    ruleId: finding.rule,
    ...indexed,
    level: sarifLevel(finding.severity),
    message: { text: finding.help === '' ? finding.message : `${finding.message}\n\nhelp: ${finding.help}` },
    locations: [{ physicalLocation: { artifactLocation: location, region: toRegion(finding) } }],
    properties: { phase: finding.phase },
  };
}

/** SARIF rejects positions below 1 and ends before starts; clamp rather than emit an invalid log. */
function toRegion(finding: Finding) {
  const startLine = Math.max(1, finding.line);
  const startColumn = Math.max(1, finding.column);
  const endLine = Math.max(startLine, finding.endLine);
  const endColumn =
    endLine === startLine ? Math.max(startColumn, finding.endColumn) : Math.max(1, finding.endColumn);
  return { startLine, startColumn, endLine, endColumn };
}

function sarifLevel(severity: Severity): SarifLevel {
  return severity === 'error' ? 'error' : severity === 'warn' ? 'warning' : 'note';
}

/**
 * Paths stay as the user gave them: relative ones against %SRCROOT% so code scanning
 * can match them to the checkout, absolute ones as file URIs. Segments are
 * percent-encoded so spaces, `#`, `?` or `%` in names yield a valid URI reference.
 */
export function artifactLocation(path: string): ArtifactLocation {
  const slashed = path.replace(/\\/g, '/');
  const unc = /^\/\/([^/]+)(\/.*)?$/.exec(slashed);
  if (unc !== null) return { uri: `file://${encodeSegments(unc[1] ?? '')}${encodeSegments(unc[2] ?? '')}` };
  const drive = /^([A-Za-z]:)(\/.*)?$/.exec(slashed);
  if (drive !== null) return { uri: `file:///${drive[1] ?? ''}${encodeSegments(drive[2] ?? '/')}` };
  if (slashed.startsWith('/')) return { uri: `file://${encodeSegments(slashed)}` };
  const relative = slashed.replace(/^(\.\/)+/, '');
  return { uri: encodeSegments(relative), uriBaseId: SRCROOT };
}

function encodeSegments(path: string): string {
  // encodeURIComponent throws on lone surrogates; no file system path needs them.
  return path.replace(/\p{Cs}/gu, '\ufffd').split('/').map(encodeURIComponent).join('/');
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
