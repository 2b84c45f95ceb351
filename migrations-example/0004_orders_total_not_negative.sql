-- Enforce non-negative totals. Both app versions already write valid totals,
-- so the CHECK can be added NOT VALID in expand (instant, checks new rows);
-- old rows are fixed and then validated in their own transaction in migrate.

-- pgtandem:expand
ALTER TABLE orders ADD CONSTRAINT orders_total_not_negative CHECK (total_cents >= 0) NOT VALID;

-- pgtandem:migrate
UPDATE orders SET total_cents = 0 WHERE total_cents < 0;
ALTER TABLE orders VALIDATE CONSTRAINT orders_total_not_negative;

-- pgtandem:abort
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_total_not_negative;
