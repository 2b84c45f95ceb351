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
 */
export const nativeMigration = `-- pgtandem:expand
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

CREATE TRIGGER orders_sync_number BEFORE INSERT OR UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION orders_sync_number();

CREATE UNIQUE INDEX CONCURRENTLY orders_number_key ON orders (number);

CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);

-- pgtandem:migrate
${BACKFILL};

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
