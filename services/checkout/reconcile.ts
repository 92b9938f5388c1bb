/**
 * The money invariant, checked against the three stores at once: every captured charge against
 * every placed order and every checkout record. The chaos and crash tests run it after the
 * recovery worker; an operator can run the same queries (docs/checkout-saga.md).
 */
import type pg from "pg";
import { PAYMENTS_SCHEMA } from "../payments/migrations.js";
import { CHECKOUT_SCHEMA } from "./migrations.js";
import { UNFINISHED } from "./saga-store.js";

export interface Reconciliation {
  /** Checkout records examined, by state. */
  readonly checkouts: Readonly<Record<string, number>>;
  readonly capturedCharges: number;
  readonly placedOrders: number;
  /** One line per broken promise, naming the records; empty when the books balance. */
  readonly violations: readonly string[];
}

const P = `${PAYMENTS_SCHEMA}.payments`;
const C = `${CHECKOUT_SCHEMA}.checkouts`;
const ORDER_KEY = "'co-' || c.id || '-order'";

/** Each check: what it promises, and a query returning one row (with an `id`) per violation. */
const CHECKS: readonly { readonly promise: string; readonly sql: string }[] = [
  {
    promise: "a captured charge exists only with a placed order",
    sql: `SELECT p.id FROM ${P} p WHERE p.status = 'captured'
          AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.payment_id = p.id AND o.status = 'placed')`,
  },
  {
    promise: "a placed order always has its captured charge, for its total",
    sql: `SELECT o.id::text FROM orders o WHERE o.status = 'placed' AND o.user_id <> ''
          AND NOT EXISTS (SELECT 1 FROM ${P} p WHERE p.id = o.payment_id AND p.status = 'captured'
                          AND p.amount_cents = o.total_cents)`,
  },
  {
    promise: "one charge per checkout",
    sql: `SELECT order_ref AS id FROM ${P} WHERE status NOT IN ('declined', 'cancelled')
          GROUP BY order_ref HAVING count(*) > 1`,
  },
  {
    promise: "one placed order per charge",
    sql: `SELECT payment_id AS id FROM orders WHERE status = 'placed' AND user_id <> ''
          GROUP BY payment_id HAVING count(*) > 1`,
  },
  {
    promise: "a completed checkout has its order placed and its charge captured",
    sql: `SELECT c.id FROM ${C} c WHERE c.state = 'completed' AND NOT EXISTS (
            SELECT 1 FROM orders o JOIN ${P} p ON p.id = o.payment_id
            WHERE o.id::text = c.order_id AND o.status = 'placed' AND p.status = 'captured')`,
  },
  {
    promise: "a checkout that did not complete holds no money and no order",
    sql: `SELECT c.id FROM ${C} c WHERE c.state IN ('declined', 'rejected', 'voided', 'abandoned') AND (
            EXISTS (SELECT 1 FROM ${P} p WHERE p.order_ref = ${ORDER_KEY} AND p.status = 'captured')
            OR EXISTS (SELECT 1 FROM orders o WHERE o.idempotency_key = ${ORDER_KEY} AND o.status = 'placed'))`,
  },
  {
    promise: "every charge and every order belongs to a checkout",
    sql: `SELECT p.id FROM ${P} p WHERE p.status = 'captured' AND NOT EXISTS (
            SELECT 1 FROM ${C} c WHERE p.order_ref = ${ORDER_KEY})`,
  },
  {
    promise: "no checkout is left half-done",
    sql: `SELECT c.id FROM ${C} c WHERE c.state IN (${UNFINISHED.map((s) => `'${s}'`).join(", ")})`,
  },
];

export async function reconcileMoney(db: pg.Client | pg.Pool): Promise<Reconciliation> {
  const violations: string[] = [];
  for (const check of CHECKS) {
    const { rows } = await db.query<{ id: string }>(check.sql);
    for (const row of rows) violations.push(`${check.promise}: broken by ${row.id}`);
  }
  const states = await db.query<{ state: string; n: string }>(
    `SELECT state, count(*) AS n FROM ${C} GROUP BY state ORDER BY state`,
  );
  const charges = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${P} WHERE status = 'captured'`);
  const orders = await db.query<{ n: string }>(
    "SELECT count(*) AS n FROM orders WHERE status = 'placed' AND user_id <> ''",
  );
  return {
    checkouts: Object.fromEntries(states.rows.map((r) => [r.state, Number(r.n)])),
    capturedCharges: Number(charges.rows[0].n),
    placedOrders: Number(orders.rows[0].n),
    violations,
  };
}
