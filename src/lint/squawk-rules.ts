/**
 * The rules of squawk 2.66 (the squawk-cli version this project benchmarks
 * against) and the pgtandem rules that cover each, so that `-- squawk-ignore`
 * comments and `.squawk.toml` can be read. docs/squawk.md shows the same
 * mapping with notes; a test keeps the two in step.
 */
export interface SquawkRuleMapping {
  /** pgtandem rules that flag what the squawk rule flags; empty when none does. */
  covered: readonly string[];
  /**
   * Whether turning the squawk rule off may turn the covering rules off: they
   * flag the same statements. False when ours is broader (`ban-truncate`
   * flags every TRUNCATE, squawk's rule only `CASCADE`).
   */
  sameScope: boolean;
}

const same = (id: string): SquawkRuleMapping => ({ covered: [id], sameScope: true });
const none: SquawkRuleMapping = { covered: [], sameScope: false };

export const SQUAWK_RULES: Readonly<Record<string, SquawkRuleMapping>> = {
  'adding-field-with-default': same('adding-field-with-default'),
  'adding-foreign-key-constraint': same('adding-foreign-key-constraint'),
  'adding-not-nullable-field': same('adding-not-nullable-field'),
  'adding-required-field': same('adding-required-field'),
  'adding-serial-primary-key-field': same('adding-serial-primary-key-field'),
  'ban-alter-domain-with-add-constraint': none,
  'ban-char-field': same('ban-char-field'),
  'ban-concurrent-index-creation-in-transaction': same('ban-concurrent-index-creation-in-transaction'),
  'ban-create-domain-with-constraint': none,
  'ban-drop-column': same('ban-drop-column'),
  'ban-drop-database': same('ban-drop-database'),
  'ban-drop-not-null': same('ban-drop-not-null'),
  'ban-drop-table': same('ban-drop-table'),
  'ban-duplicate-column-assignments': same('ban-duplicate-column-assignments'),
  'ban-truncate-cascade': { covered: ['ban-truncate'], sameScope: false },
  'ban-uncommitted-transaction': none,
  'changing-column-type': same('changing-column-type'),
  'constraint-missing-not-valid': same('constraint-missing-not-valid'),
  'disallowed-unique-constraint': same('disallowed-unique-constraint'),
  'identifier-too-long': same('identifier-too-long'),
  'prefer-bigint-over-int': same('prefer-bigint-over-int'),
  'prefer-bigint-over-smallint': { covered: ['prefer-bigint-over-int'], sameScope: false },
  'prefer-identity': same('prefer-identity'),
  'prefer-repack': same('ban-vacuum-full'),
  'prefer-robust-stmts': same('prefer-robust-stmts'),
  'prefer-text-field': same('prefer-text-field'),
  'prefer-timestamp-tz': same('prefer-timestamptz'),
  'renaming-column': same('renaming-column'),
  'renaming-table': same('renaming-table'),
  'require-concurrent-index-creation': same('require-concurrent-index-creation'),
  'require-concurrent-index-deletion': same('require-concurrent-index-deletion'),
  'require-concurrent-partition-detach': same('require-concurrent-partition-detach'),
  'require-concurrent-reindex': same('require-concurrent-reindex'),
  'require-enum-value-ordering': none,
  'require-lock-timeout': same('require-lock-timeout'),
  'require-statement-timeout': same('require-statement-timeout'),
  'require-table-schema': none,
  'require-timeout-settings': { covered: ['require-lock-timeout', 'require-statement-timeout'], sameScope: true },
  'syntax-error': same('syntax-error'),
  'transaction-nesting': none,
  'unused-ignore': same('unused-ignore'),
};

/** Whether a pgtandem rule id is also a squawk rule id: a `squawk-ignore` naming it (or naming none) is honoured. */
export function isSquawkRule(id: string): boolean {
  return Object.hasOwn(SQUAWK_RULES, id) && SQUAWK_RULES[id]!.covered.includes(id);
}
