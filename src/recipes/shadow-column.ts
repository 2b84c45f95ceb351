import { UsageError } from '../errors.js';
import type { Catalog, ColumnInfo } from '../schema/catalog.js';
import { displayName, quoteIdent, type QualifiedName } from '../sql/names.js';
import { onRow } from './row-expression.js';
import { emptySteps, notNullViaCheck, rowTrigger, type Steps } from './steps.js';
import { indexesOn, inSchemaOf, objectName, tableOf } from './table-facts.js';

export interface ShadowColumn {
  recipe: string;
  catalog: Catalog;
  table: QualifiedName;
  /** The existing column the old release uses. */
  old: string;
  /** The column the trigger keeps in step with it. */
  shadow: string;
  /** The shadow column's type. */
  type: string;
  /** What the catalog (or the flags) know of the old column. */
  facts: { type: string; notNull: boolean; default?: string };
  /** old → shadow and shadow → old conversions, over a column reference; identity for a rename. */
  forward(value: string): string;
  backward(value: string): string;
  /** The old column's default as the new column's (cast to the new type for a type change). */
  convertDefault(expression: string): string;
  /** The trigger's name. */
  trigger: string;
  /** What the shadow column is called once contract is done (the old name for a type change). */
  finalName: string;
}

/**
 * The expand/migrate/contract pattern behind rename-column and
 * change-column-type (pgroll's and reshape's): a new column next to the old
 * one, a BEFORE trigger that keeps them in step whichever release writes
 * (v1 writes the old column, v2 the new one), a batched backfill, then in
 * contract the old column dropped. Indexes and unique constraints on the old
 * column are rebuilt CONCURRENTLY on the new one in migrate; the default and
 * NOT NULL move over in contract (NOT NULL through a validated check).
 */
export function shadowColumn(spec: ShadowColumn): { steps: Steps; notes: string[] } {
  const { table, old, shadow } = spec;
  const t = displayName(table);
  const o = quoteIdent(old);
  const n = quoteIdent(shadow);
  const toShadow = onRow(spec.forward(old));
  const toOld = onRow(spec.backward(shadow));
  const steps = emptySteps();
  const notes: string[] = [];

  // v1 never writes the new column: on INSERT a NULL there means the row came from v1 (or from v2 leaving it to the default).
  const sync = rowTrigger(table, spec.trigger, [
    "  IF TG_OP = 'INSERT' THEN",
    `    IF NEW.${n} IS NULL THEN`,
    `      NEW.${n} := ${toShadow};`,
    '    ELSE',
    `      NEW.${o} := ${toOld};`,
    '    END IF;',
    `  ELSIF NEW.${o} IS DISTINCT FROM OLD.${o} THEN`,
    `    NEW.${n} := ${toShadow};`,
    `  ELSIF NEW.${n} IS DISTINCT FROM OLD.${n} THEN`,
    // The backfill writes exactly the converted old value: the old column is left as it is.
    `    IF NEW.${n} IS DISTINCT FROM ${toShadow} THEN`,
    `      NEW.${o} := ${toOld};`,
    '    END IF;',
    `  ELSIF NEW.${n} IS NULL THEN`,
    `    NEW.${n} := ${toShadow};`,
    '  END IF;',
    // In step: the new column holds the old one converted, as the backfill writes it.
  ], `NEW.${n} IS NOT DISTINCT FROM ${toShadow}`);
  steps.expand.push(`ALTER TABLE ${t} ADD COLUMN ${n} ${spec.type};`, '', ...sync.expand);
  steps.migrate.push(`UPDATE ${t} SET ${n} = ${spec.forward(old)} WHERE ${n} IS NULL AND ${o} IS NOT NULL;`);
  steps.abort.push(...sync.abort);

  let check: (Steps & { check: string }) | undefined;
  if (spec.facts.notNull) {
    check = notNullViaCheck(table, shadow);
    steps.expand.push('', ...check.expand);
    steps.migrate.push(...check.migrate);
    notes.push(`${o} is NOT NULL: the trigger fills ${n} for every write, a NOT VALID check guards it from expand on, validated in migrate; SET NOT NULL in contract.`);
  }

  const rebuilt = rebuildIndexes(spec);
  steps.migrate.push(...rebuilt.migrate);
  steps.abort.push(...rebuilt.abort);
  notes.push(...rebuilt.notes);

  steps.contract.push(...sync.contract);
  if (check) steps.contract.push(...check.contract);
  if (spec.facts.default !== undefined) {
    notes.push(`The default of ${o} (${spec.facts.default}) moves to ${n} in contract: until then the trigger copies it over from ${o}.`);
  }
  steps.contract.push(`ALTER TABLE ${t} DROP COLUMN ${o};`);
  if (spec.finalName !== shadow) {
    steps.contract.push(
      '-- pgtandem-ignore renaming-column: the new column takes the name the new release already uses; no release ever names it',
      `ALTER TABLE ${t} RENAME COLUMN ${n} TO ${quoteIdent(spec.finalName)};`,
    );
  }
  const final = quoteIdent(spec.finalName);
  if (spec.facts.default !== undefined) steps.contract.push(`ALTER TABLE ${t} ALTER COLUMN ${final} SET DEFAULT ${spec.convertDefault(spec.facts.default)};`);
  steps.contract.push(...rebuilt.contract);
  steps.abort.push(`ALTER TABLE ${t} DROP COLUMN IF EXISTS ${n};`);
  return { steps, notes };
}

/** Facts about the old column: the catalog's, else the flags', else a usage error naming what is missing. */
export function oldColumnFacts(recipe: string, column: ColumnInfo | undefined, table: QualifiedName, name: string, flags: { type?: string; notNull?: boolean }): ShadowColumn['facts'] {
  if (column) {
    if (column.default?.includes('nextval(')) throw new UsageError(`${recipe}: ${displayName(table)}.${quoteIdent(name)} takes its default from a sequence it owns, which DROP COLUMN would drop; this recipe does not move it`);
    if (column.identity || column.generated) throw new UsageError(`${recipe}: ${displayName(table)}.${quoteIdent(name)} is ${column.identity ? 'an identity' : 'a generated'} column; this recipe does not handle it`);
    return { type: column.type, notNull: column.notNull, ...(column.default !== undefined ? { default: column.default } : {}) };
  }
  if (!flags.type) throw new UsageError(`${recipe}: the migrations directory does not define ${displayName(table)}.${quoteIdent(name)}: pass --type <its current type> (and --not-null if it is NOT NULL)`);
  return { type: flags.type, notNull: flags.notNull === true };
}

/**
 * Each index on the old column rebuilt CONCURRENTLY on the new one (migrate),
 * and a unique constraint put back on it in contract with `USING INDEX`, once
 * the old column (and with it the old constraint) is gone. Partial and
 * expression indexes are named in the notes: their definitions are not
 * modelled, so they are left to rewrite by hand.
 */
function rebuildIndexes(spec: ShadowColumn): { migrate: string[]; contract: string[]; abort: string[]; notes: string[] } {
  const out = { migrate: [] as string[], contract: [] as string[], abort: [] as string[], notes: [] as string[] };
  const table = tableOf(spec.catalog, spec.table);
  for (const index of indexesOn(spec.catalog, spec.table, spec.old)) {
    if (index.primary) throw new UsageError(`${spec.recipe}: ${quoteIdent(spec.old)} is part of the primary key of ${displayName(spec.table)}; this recipe does not move primary keys`);
    if (index.partial || index.columns.some((c) => c.startsWith('('))) {
      out.notes.push(`Index ${index.name} is partial or on an expression: recreate it on ${quoteIdent(spec.finalName)} by hand.`);
      continue;
    }
    const name = index.name.includes(spec.old) ? index.name.split(spec.old).join(spec.shadow) : objectName(index.name, 'new');
    const columns = index.columns.map((c) => quoteIdent(c === spec.old ? spec.shadow : c)).join(', ');
    const using = index.method && index.method !== 'btree' ? ` USING ${index.method}` : '';
    out.migrate.push(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${displayName(spec.table)}${using} (${columns});`);
    out.abort.push(`DROP INDEX CONCURRENTLY IF EXISTS ${inSchemaOf(spec.table, name)};`);
    const constraint = table?.constraints.find((c) => c.index === index.name && c.kind === 'unique');
    const finalIndex = index.name.includes(spec.old) ? index.name.split(spec.old).join(spec.finalName) : index.name;
    if (constraint) {
      const finalConstraint = constraint.name.includes(spec.old) ? constraint.name.split(spec.old).join(spec.finalName) : constraint.name;
      out.contract.push(`ALTER TABLE ${displayName(spec.table)} ADD CONSTRAINT ${quoteIdent(finalConstraint)} UNIQUE USING INDEX ${quoteIdent(name)};`);
    } else if (finalIndex !== name) {
      // The old index went with the old column: its name is free again.
      out.contract.push(`ALTER INDEX ${inSchemaOf(spec.table, name)} RENAME TO ${quoteIdent(finalIndex)};`);
    }
  }
  return out;
}
