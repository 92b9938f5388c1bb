/** The payments schema as numbered migrations (applied by services/lib/migrations.ts). */
import type { Migration } from "../lib/migrations.js";

export const PAYMENTS_SCHEMA = "payments";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "charges and the operations on them",
    sql: `
      CREATE TABLE payments (
        id text PRIMARY KEY,
        idempotency_key text NOT NULL UNIQUE,
        fingerprint text NOT NULL,
        order_ref text,
        status text NOT NULL
          CHECK (status IN ('captured', 'voided', 'partially_refunded', 'refunded', 'declined', 'cancelled')),
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        refunded_cents bigint NOT NULL DEFAULT 0
          CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
        currency text NOT NULL,
        last4 text NOT NULL,
        decline_code text,
        decline_message text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX payments_by_order_ref ON payments (order_ref);
      CREATE TABLE payment_operations (
        idempotency_key text PRIMARY KEY,
        payment_id text NOT NULL REFERENCES payments (id),
        kind text NOT NULL CHECK (kind IN ('void', 'refund')),
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];
