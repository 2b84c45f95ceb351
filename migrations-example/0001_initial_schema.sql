-- A small shop: users place orders for products.
-- Tables created in this migration are new to every running app version, so
-- plain CREATE INDEX and inline foreign keys on them take no lock anyone waits for.

-- pgtandem:expand
CREATE TABLE users (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email       text NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE products (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku          text,
  title        text NOT NULL,
  price_cents  integer NOT NULL
);

CREATE TABLE orders (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id),
  product_id   bigint NOT NULL REFERENCES products (id),
  quantity     integer NOT NULL DEFAULT 1,
  total_cents  integer NOT NULL,
  status       text NOT NULL DEFAULT 'pending',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
CREATE INDEX orders_product_id_idx ON orders (product_id);

-- pgtandem:abort
DROP TABLE orders;
DROP TABLE products;
DROP TABLE users;
