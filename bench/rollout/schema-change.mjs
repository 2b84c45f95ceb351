// The schema change both runs make: orders.code ('ORD-<n>' text) becomes
// orders.number (bigint, NOT NULL, UNIQUE), orders.customer_id gains its foreign
// key to customers and an index, and code is dropped.

/** The backfill, as both versions write it. */
const BACKFILL = 'UPDATE orders SET number = substr(code, 5)::bigint WHERE number IS NULL';

/**
 * What a team writes in one migration file, run in one transaction before the
 * deploy: each statement separately, so the run can time the backfill.
 */
export const naiveStatements = [
  { label: 'add column', sql: 'ALTER TABLE orders ADD COLUMN number bigint' },
  { label: 'backfill', sql: BACKFILL, backfill: true },
  { label: 'set not null', sql: 'ALTER TABLE orders ALTER COLUMN number SET NOT NULL' },
  { label: 'unique', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (number)' },
  { label: 'foreign key', sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)' },
  { label: 'index', sql: 'CREATE INDEX orders_customer_id_idx ON orders (customer_id)' },
  { label: 'drop old column', sql: 'ALTER TABLE orders DROP COLUMN code' },
];

/** The physical limit: one unbatched UPDATE of the whole table, on a copy with only the new column. */
export const anchorStatements = { prepare: 'ALTER TABLE orders ADD COLUMN number bigint', update: BACKFILL };

export const nativeMigrationFile = '20261126000001_orders_number.sql';

/**
 * The same change as a native pgtandem migration. The trigger keeps both
 * columns filled while v1 (writes code) and v2 (writes number) run side by side;
 * it also fills number on any UPDATE of a row not yet backfilled, which the
 * NOT VALID check enforces on every row written after expand.
 *
 * `triggerSkip`: the trigger skips the rows the backfill's own batches write
 * (the runner sets pgtandem.backfill in them; the backfill sets number as the
 * trigger would). `indexesAfter`: the new indexes are built after the backfill
 * (migrate) instead of in expand, where every backfilled row would add an entry
 * to each. Both on is the change as this project recommends it; the benchmark
 * of the variants (backfill-variants.mjs) measures each.
 */
export function changeMigration({ triggerSkip = true, indexesAfter = true } = {}) {
  const trigger = triggerSkip
    ? `-- The backfill's own UPDATE sets number as the trigger would: its batches (where the runner
-- sets pgtandem.backfill) skip the trigger.
CREATE TRIGGER orders_sync_number BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW WHEN (current_setting('pgtandem.backfill', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION orders_sync_number();`
    : `CREATE TRIGGER orders_sync_number BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_sync_number();`;
  const indexes = `CREATE UNIQUE INDEX CONCURRENTLY orders_number_key ON orders (number);

CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);`;
  const migrate = indexesAfter
    ? `${BACKFILL};

-- Built after the backfill: an index present during it gets a new entry for every row it updates.
-- Neither release looks orders up by number or customer_id while both run.
${indexes}`
    : `${BACKFILL};`;
  return `-- pgtandem:expand
-- One statement: one short ACCESS EXCLUSIVE on orders, and no second lock taken while holding it.
ALTER TABLE orders
  ADD COLUMN number bigint,
  ADD CONSTRAINT orders_number_is_set CHECK (number IS NOT NULL) NOT VALID,
  ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

CREATE FUNCTION orders_sync_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.code IS NULL THEN
    NEW.code := 'ORD-' || NEW.number;
  ELSIF NEW.number IS NULL OR (TG_OP = 'UPDATE' AND NEW.code IS DISTINCT FROM OLD.code) THEN
    NEW.number := substr(NEW.code, 5)::bigint;
  END IF;
  RETURN NEW;
END
$$;

${trigger}
${indexesAfter ? '' : `\n${indexes}\n`}
-- pgtandem:migrate
${migrate}

-- pgtandem:contract
ALTER TABLE orders VALIDATE CONSTRAINT orders_number_is_set;

ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;

-- PG 12+: the validated check proves it, so SET NOT NULL does not scan.
ALTER TABLE orders ALTER COLUMN number SET NOT NULL;

ALTER TABLE orders DROP CONSTRAINT orders_number_is_set;

ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE USING INDEX orders_number_key;

DROP TRIGGER orders_sync_number ON orders;

DROP FUNCTION orders_sync_number();

ALTER TABLE orders DROP COLUMN code;

-- pgtandem:abort
DROP TRIGGER IF EXISTS orders_sync_number ON orders;

DROP FUNCTION IF EXISTS orders_sync_number();

ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_customer_id_fkey;

DROP INDEX CONCURRENTLY IF EXISTS orders_customer_id_idx;

DROP INDEX CONCURRENTLY IF EXISTS orders_number_key;

ALTER TABLE orders DROP COLUMN IF EXISTS number;
`;
}

export const nativeMigration = changeMigration();

/** What bench/rollout/backfill-variants.mjs compares (each on a fresh copy, no traffic). */
export const backfillVariants = [
  { name: 'before', what: 'the change as it was: trigger on every row, new indexes built in expand', migration: changeMigration({ triggerSkip: false, indexesAfter: false }) },
  { name: 'before, no throttle', what: 'the same, health throttling off (its cost)', migration: changeMigration({ triggerSkip: false, indexesAfter: false }), config: { throttle: false } },
  { name: 'trigger-skip', what: 'the sync trigger skips the backfill’s rows', migration: changeMigration({ triggerSkip: true, indexesAfter: false }) },
  { name: 'indexes-after', what: 'the new indexes built after the backfill', migration: changeMigration({ triggerSkip: false, indexesAfter: true }) },
  { name: 'both', what: 'trigger skip and indexes after (the change as the benchmark now makes it)', migration: nativeMigration },
  { name: 'both, no delay', what: 'the same, batchDelayMs 0', migration: nativeMigration, config: { batchDelayMs: 0 } },
  { name: 'both, no throttle', what: 'the same, health throttling off', migration: nativeMigration, config: { throttle: false } },
  { name: 'both, pause for autovacuum', what: 'the same, pausing for any autovacuum (throttle.autovacuum "pause", the default before)', migration: nativeMigration, config: { throttle: { autovacuum: 'pause' } } },
];
