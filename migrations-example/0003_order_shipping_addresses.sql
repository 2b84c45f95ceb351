-- Orders get a shipping address. v2 writes it; v1 does not know it exists.
-- The foreign key is added NOT VALID (instant) and validated once v1 is gone,
-- when the validation scan takes only SHARE UPDATE EXCLUSIVE.

-- pgtandem:expand
CREATE TABLE addresses (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id   bigint NOT NULL REFERENCES users (id),
  line1     text NOT NULL,
  city      text NOT NULL,
  country   text NOT NULL
);
CREATE INDEX addresses_user_id_idx ON addresses (user_id);

ALTER TABLE orders ADD COLUMN shipping_address_id bigint;
ALTER TABLE orders
  ADD CONSTRAINT orders_shipping_address_fk
  FOREIGN KEY (shipping_address_id) REFERENCES addresses (id) NOT VALID;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_shipping_address_id_idx ON orders (shipping_address_id);

-- pgtandem:contract
ALTER TABLE orders VALIDATE CONSTRAINT orders_shipping_address_fk;

-- pgtandem:abort
DROP INDEX CONCURRENTLY IF EXISTS orders_shipping_address_id_idx;
ALTER TABLE orders DROP COLUMN shipping_address_id;
DROP TABLE addresses;
