/** The checkout saga's schema as numbered migrations (applied by services/lib/migrations.ts). */
import type { Migration } from "../lib/migrations.js";

export const CHECKOUT_SCHEMA = "checkout";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "the checkout saga's records",
    sql: `
      CREATE TABLE checkouts (
        id text PRIMARY KEY,
        fingerprint text NOT NULL,
        state text NOT NULL CHECK (state IN ('started', 'priced', 'charged', 'compensating',
                                             'completed', 'declined', 'rejected', 'voided', 'abandoned')),
        user_id text NOT NULL,
        session_id text NOT NULL,
        items jsonb,
        amount_cents bigint CHECK (amount_cents > 0),
        currency text,
        payment_id text,
        order_id text,
        outcome jsonb,
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX checkouts_unfinished ON checkouts (updated_at)
        WHERE state IN ('started', 'priced', 'charged', 'compensating');`,
  },
];
