/**
 * Charges in PostgreSQL. Every mutating call is idempotent on its key: a charge's key is unique
 * in `payments`, and each void or refund records its key in `payment_operations` in the same
 * transaction as its effect, so a retry replays instead of acting twice. A charge's row is locked
 * while an operation runs on it, and refunds can never pass the captured amount (the code checks,
 * and a CHECK constraint backs it).
 *
 * A key can be closed before its charge arrives (`cancelKey`): a tombstone row, so that a charge
 * still in flight when checkout gave up can never land.
 */
import type pg from "pg";
import { HttpError } from "../lib/server.js";
import { transaction } from "../lib/transaction.js";

export type PaymentStatus = "captured" | "voided" | "partially_refunded" | "refunded";

export interface Payment {
  readonly id: string;
  readonly orderRef?: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly last4: string;
  readonly status: PaymentStatus;
  readonly refundedCents: number;
  readonly createdAt: string;
}

export interface ChargeDraft {
  readonly id: string;
  readonly orderRef?: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly last4: string;
  /** Set when the processor declined: the charge is remembered, so its retry is declined too. */
  readonly declined?: { readonly code: string; readonly message: string };
}

export type ChargeResult =
  | { readonly kind: "created" | "replayed"; readonly payment: Payment }
  | { readonly kind: "declined"; readonly code: string; readonly message: string }
  | { readonly kind: "key_reused" }
  | { readonly kind: "cancelled" };

interface Row {
  id: string;
  idempotency_key: string;
  fingerprint: string;
  order_ref: string | null;
  status: PaymentStatus | "declined" | "cancelled";
  amount_cents: string;
  refunded_cents: string;
  currency: string;
  last4: string;
  decline_code: string | null;
  decline_message: string | null;
  created_at: Date;
}

function toPayment(row: Row): Payment {
  return {
    id: row.id,
    ...(row.order_ref !== null ? { orderRef: row.order_ref } : {}),
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    last4: row.last4,
    status: row.status as PaymentStatus,
    refundedCents: Number(row.refunded_cents),
    createdAt: row.created_at.toISOString(),
  };
}

/** A row that is a charge (not a decline or a tombstone). */
const IS_CHARGE = "status NOT IN ('declined', 'cancelled')";

export class PaymentStore {
  constructor(private readonly pool: pg.Pool) {}

  async charge(key: string, fingerprint: string, draft: ChargeDraft): Promise<ChargeResult> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO payments (id, idempotency_key, fingerprint, order_ref, status, amount_cents, currency, last4,
                             decline_code, decline_message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
      [
        draft.id,
        key,
        fingerprint,
        draft.orderRef ?? null,
        draft.declined ? "declined" : "captured",
        draft.amountCents,
        draft.currency,
        draft.last4,
        draft.declined?.code ?? null,
        draft.declined?.message ?? null,
      ],
    );
    const created = rows.length === 1;
    const row = created ? rows[0] : await this.byKey(key);
    if (!row) throw new Error(`payment for key ${key} vanished after a conflict`);
    if (row.status === "cancelled") return { kind: "cancelled" };
    if (row.fingerprint !== fingerprint) return { kind: "key_reused" };
    if (row.status === "declined")
      return {
        kind: "declined",
        code: row.decline_code ?? "card_declined",
        message: row.decline_message ?? "",
      };
    return { kind: created ? "created" : "replayed", payment: toPayment(row) };
  }

  async get(id: string): Promise<Payment | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM payments WHERE id = $1 AND ${IS_CHARGE}`, [
      id,
    ]);
    return rows[0] && toPayment(rows[0]);
  }

  async byOrderRef(orderRef: string): Promise<Payment[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM payments WHERE order_ref = $1 AND ${IS_CHARGE} ORDER BY created_at, id`,
      [orderRef],
    );
    return rows.map(toPayment);
  }

  /** Voids a captured charge; voiding a voided one answers the same. */
  void(id: string, key: string): Promise<Payment> {
    return this.operate(id, key, { kind: "void" }, async (client, row) => {
      if (row.status === "voided") return toPayment(row);
      if (row.status !== "captured")
        throw new HttpError(409, "not_voidable", `a ${row.status} payment cannot be voided; refund it`);
      return this.update(client, id, "status = 'voided'");
    });
  }

  /** Refunds part or the rest of a captured charge, never more than what remains. */
  refund(id: string, key: string, amountCents: number | undefined): Promise<Payment> {
    return this.operate(id, key, { kind: "refund", amountCents }, async (client, row) => {
      if (row.status === "voided")
        throw new HttpError(409, "not_refundable", "a voided payment has nothing to refund");
      const remaining = Number(row.amount_cents) - Number(row.refunded_cents);
      const amount = amountCents ?? remaining;
      if (remaining === 0)
        throw new HttpError(409, "not_refundable", "the payment is already fully refunded");
      if (amount > remaining)
        throw new HttpError(409, "refund_too_large", `only ${remaining} cents remain to refund`);
      return this.update(
        client,
        id,
        `refunded_cents = refunded_cents + $2::bigint,
         status = CASE WHEN refunded_cents + $2::bigint = amount_cents THEN 'refunded' ELSE 'partially_refunded' END`,
        [amount],
      );
    });
  }

  /**
   * Closes a charge's key: a charge made under it is voided, and if none was made, a tombstone
   * keeps a late one from landing. `cancelled` is false only for a charge already refunded.
   */
  async cancelKey(
    chargeKey: string,
    tombstoneId: string,
  ): Promise<{ cancelled: boolean; payment?: Payment }> {
    return transaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO payments (id, idempotency_key, fingerprint, status, amount_cents, currency, last4)
         VALUES ($1, $2, '', 'cancelled', 0, 'EUR', '') ON CONFLICT (idempotency_key) DO NOTHING`,
        [tombstoneId, chargeKey],
      );
      const { rows } = await client.query<Row>(
        "SELECT * FROM payments WHERE idempotency_key = $1 FOR UPDATE",
        [chargeKey],
      );
      const row = rows[0];
      if (row.status === "cancelled" || row.status === "declined") return { cancelled: true };
      if (row.status === "captured")
        return { cancelled: true, payment: await this.update(client, row.id, "status = 'voided'") };
      return { cancelled: row.status === "voided", payment: toPayment(row) };
    });
  }

  /**
   * Runs one keyed operation on a charge, under its row lock: a key seen before replays (the
   * payment as it is now), a key seen for something else is refused, and a new one acts and is
   * recorded in the same transaction as the act.
   */
  private operate(
    id: string,
    key: string,
    op: { readonly kind: "void" | "refund"; readonly amountCents?: number },
    act: (client: pg.PoolClient, row: Row) => Promise<Payment>,
  ): Promise<Payment> {
    return transaction(this.pool, async (client) => {
      const { rows } = await client.query<Row>(
        `SELECT * FROM payments WHERE id = $1 AND ${IS_CHARGE} FOR UPDATE`,
        [id],
      );
      if (!rows[0]) throw new HttpError(404, "unknown_payment", `no payment '${id}'`);
      const seen = await client.query<{ payment_id: string; kind: string; amount_cents: string }>(
        "SELECT payment_id, kind, amount_cents FROM payment_operations WHERE idempotency_key = $1",
        [key],
      );
      if (seen.rows[0]) {
        const s = seen.rows[0];
        const same =
          s.payment_id === id &&
          s.kind === op.kind &&
          (op.amountCents === undefined || Number(s.amount_cents) === op.amountCents);
        if (!same)
          throw new HttpError(
            409,
            "idempotency_key_reused",
            `this Idempotency-Key was used for a different ${s.kind}`,
          );
        return toPayment(rows[0]);
      }
      const payment = await act(client, rows[0]);
      const amount = op.kind === "refund" ? payment.refundedCents - Number(rows[0].refunded_cents) : 0;
      await client.query(
        "INSERT INTO payment_operations (idempotency_key, payment_id, kind, amount_cents) VALUES ($1, $2, $3, $4)",
        [key, id, op.kind, amount],
      );
      return payment;
    });
  }

  /** `set` is this module's own SQL; values come in as parameters from $2 on. */
  private async update(
    client: pg.PoolClient,
    id: string,
    set: string,
    values: unknown[] = [],
  ): Promise<Payment> {
    const { rows } = await client.query<Row>(`UPDATE payments SET ${set} WHERE id = $1 RETURNING *`, [
      id,
      ...values,
    ]);
    return toPayment(rows[0]);
  }

  private async byKey(key: string): Promise<Row | undefined> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM payments WHERE idempotency_key = $1", [key]);
    return rows[0];
  }
}
