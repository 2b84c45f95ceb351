// The shop's requests, as each release writes them. v1 knows only orders.code;
// v2 reads and writes only orders.number, so v1 survives expand + migrate and v2
// survives migrate + contract. Named statements: prepared once per connection, as
// most drivers and ORMs do.

/** The request mix: PK reads (with the customer), inserts, updates. */
export const MIX = [
  { kind: 'read', share: 0.7 },
  { kind: 'insert', share: 0.15 },
  { kind: 'update', share: 0.15 },
];

const STATUSES = ['new', 'paid', 'shipped', 'cancelled'];

const SQL = {
  v1: {
    read: `SELECT o.id, o.code, o.status, o.amount_cents, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1`,
    insert: `INSERT INTO orders (code, customer_id, amount_cents) VALUES ('ORD-' || nextval('order_number_seq'), $1, $2) RETURNING id, code`,
    update: `UPDATE orders SET status = $2, amount_cents = amount_cents + 1 WHERE id = $1 RETURNING code`,
  },
  v2: {
    read: `SELECT o.id, o.number, o.status, o.amount_cents, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1`,
    insert: `INSERT INTO orders (number, customer_id, amount_cents) VALUES (nextval('order_number_seq'), $1, $2) RETURNING id, number`,
    update: `UPDATE orders SET status = $2, amount_cents = amount_cents + 1 WHERE id = $1 RETURNING number`,
  },
};

/** Picks a request kind by the mix. */
export function pickKind(random = Math.random()) {
  let left = random;
  for (const { kind, share } of MIX) {
    if (left < share) return kind;
    left -= share;
  }
  return MIX.at(-1).kind;
}

/** The pg query config of one request of `release` (`v1` | `v2`) over a table of `rows` orders. */
export function shopRequest(release, kind, rows, customers) {
  const id = 1 + Math.floor(Math.random() * rows);
  const values =
    kind === 'read'
      ? [id]
      : kind === 'insert'
        ? [1 + Math.floor(Math.random() * customers), 100 + Math.floor(Math.random() * 10000)]
        : [id, STATUSES[Math.floor(Math.random() * STATUSES.length)]];
  return { name: `${release}_${kind}`, text: SQL[release][kind], values };
}
