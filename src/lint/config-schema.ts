import type { RuleMeta } from './rule-meta.js';

type JsonObject = Record<string, unknown>;

/** A plugin rule's id, as plugins.ts accepts it: lower-case words joined by "-". */
const RULE_ID_PATTERN = '^[a-z]+(-[a-z]+)*$';

/**
 * The config schema's rule settings, derived from the rule registry (`npm run
 * generate` writes them into schema/pgtandem.config.schema.json): every
 * built-in id a property with its summary, so editors complete and describe
 * them; any other id in the plugin id form is accepted too, but only when the
 * config lists `plugins` (without them, the ids must be built-in ones, as
 * the config loader checks).
 */
export function withRuleSettings(schema: JsonObject, rules: readonly RuleMeta[]): JsonObject {
  const sorted = [...rules].sort((a, b) => a.id.localeCompare(b.id));
  const properties = schema.properties as JsonObject;
  const previous = properties.rules as JsonObject;
  const severity = { $ref: '#/definitions/ruleSeverity' };
  const rulesSchema = {
    type: 'object',
    description: previous.description,
    properties: Object.fromEntries(
      sorted.map((rule) => [rule.id, { ...severity, description: `${rule.summary} (${rule.category}; default ${rule.enabledByDefault === false ? 'off' : rule.severity})` }]),
    ),
    propertyNames: { pattern: RULE_ID_PATTERN },
    additionalProperties: severity,
  };
  const { if: _if, then: _then, definitions: _definitions, ...rest } = schema;
  return {
    ...rest,
    properties: { ...properties, rules: rulesSchema },
    // Without plugins, a rules key must be a built-in id.
    if: { not: { required: ['plugins'] } },
    then: { properties: { rules: { propertyNames: { $ref: '#/definitions/builtInRuleId' } } } },
    definitions: {
      ...((schema.definitions as JsonObject | undefined) ?? {}),
      ruleSeverity: { enum: ['error', 'warn', 'info', 'off'] },
      builtInRuleId: { enum: sorted.map((r) => r.id) },
    },
  };
}
