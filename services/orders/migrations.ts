/** The orders schema as numbered migrations (applied by services/lib/migrations.ts). */
import type { Migration } from "../lib/migrations.js";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "orders and their lines",
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        fingerprint text NOT NULL,
        user_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('placed', 'cancelled')),
        payment_id text,
        currency text NOT NULL,
        total_cents integer NOT NULL CHECK (total_cents >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        product_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
        PRIMARY KEY (order_id, product_id)
      );`,
  },
  {
    version: 2,
    name: "list a user's orders newest first",
    sql: "CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id);",
  },
];
