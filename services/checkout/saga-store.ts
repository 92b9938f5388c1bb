/**
 * The checkout saga's durable record, one row per checkout (a session and its Idempotency-Key).
 *
 * Whoever holds a record's lease drives it, and every step is a compare-and-set on the state and
 * the lease owner, so two copies of one checkout never both act on it: a copy that loses the
 * lease (it was too slow, or its process died) finds out at its next write and stops. Times come
 * from the service's clock, not the database's, so a test can move a recovering process forward.
 */
import type pg from "pg";

/** The saga's states; docs/checkout-saga.md draws them. */
export type SagaState =
  | "started"
  | "priced"
  | "charged"
  | "compensating"
  | "completed"
  | "declined"
  | "rejected"
  | "voided"
  | "abandoned";

export const UNFINISHED: readonly SagaState[] = ["started", "priced", "charged", "compensating"];

export function finished(state: SagaState): boolean {
  return !UNFINISHED.includes(state);
}

export interface PricedLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

/** The answer every copy of a finished checkout gets. */
export interface Outcome {
  readonly status: number;
  readonly body: unknown;
}

export interface CheckoutRecord {
  readonly id: string;
  readonly fingerprint: string;
  readonly state: SagaState;
  readonly userId: string;
  readonly sessionId: string;
  readonly items?: readonly PricedLine[];
  readonly amountCents?: number;
  readonly currency?: string;
  readonly paymentId?: string;
  readonly orderId?: string;
  readonly outcome?: Outcome;
  readonly createdAt: Date;
}

/** What a step writes besides the state. */
export type StepFields = Partial<
  Pick<CheckoutRecord, "items" | "amountCents" | "currency" | "paymentId" | "orderId" | "outcome">
>;

interface Row {
  id: string;
  fingerprint: string;
  state: SagaState;
  user_id: string;
  session_id: string;
  items: PricedLine[] | null;
  amount_cents: string | null;
  currency: string | null;
  payment_id: string | null;
  order_id: string | null;
  outcome: Outcome | null;
  created_at: Date;
}

function toRecord(row: Row): CheckoutRecord {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    state: row.state,
    userId: row.user_id,
    sessionId: row.session_id,
    ...(row.items ? { items: row.items } : {}),
    ...(row.amount_cents !== null ? { amountCents: Number(row.amount_cents) } : {}),
    ...(row.currency ? { currency: row.currency } : {}),
    ...(row.payment_id ? { paymentId: row.payment_id } : {}),
    ...(row.order_id ? { orderId: row.order_id } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
    createdAt: row.created_at,
  };
}

const UNFINISHED_SQL = `state IN (${UNFINISHED.map((s) => `'${s}'`).join(", ")})`;

export class SagaStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: () => Date,
  ) {}

  /** The record for `id`, created as "started" if this is the first copy to arrive. */
  async claim(id: string, fingerprint: string, userId: string, sessionId: string): Promise<CheckoutRecord> {
    const now = this.clock();
    await this.pool.query(
      `INSERT INTO checkouts (id, fingerprint, state, user_id, session_id, created_at, updated_at)
       VALUES ($1, $2, 'started', $3, $4, $5, $5) ON CONFLICT (id) DO NOTHING`,
      [id, fingerprint, userId, sessionId, now],
    );
    return (await this.get(id)) as CheckoutRecord;
  }

  async get(id: string): Promise<CheckoutRecord | undefined> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM checkouts WHERE id = $1", [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** Takes the lease of an unfinished record nobody holds (or whose holder's lease ran out). */
  async acquire(id: string, owner: string, leaseMs: number): Promise<CheckoutRecord | undefined> {
    const now = this.clock();
    const { rows } = await this.pool.query<Row>(
      `UPDATE checkouts SET lease_owner = $2, lease_until = $3
       WHERE id = $1 AND ${UNFINISHED_SQL} AND (lease_until IS NULL OR lease_until <= $4)
       RETURNING *`,
      [id, owner, new Date(now.getTime() + leaseMs), now],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Moves the record from its current state to `to`, if `owner` still holds it in that state;
   * undefined means the lease was lost and the caller must stop. A finished state drops the lease.
   */
  async advance(
    from: CheckoutRecord,
    owner: string,
    to: SagaState,
    fields: StepFields,
    leaseMs: number,
  ): Promise<CheckoutRecord | undefined> {
    const now = this.clock();
    const { rows } = await this.pool.query<Row>(
      `UPDATE checkouts SET state = $4,
         items = COALESCE($5::jsonb, items), amount_cents = COALESCE($6, amount_cents),
         currency = COALESCE($7, currency), payment_id = COALESCE($8, payment_id),
         order_id = COALESCE($9, order_id), outcome = COALESCE($10::jsonb, outcome),
         lease_owner = CASE WHEN $11 THEN NULL ELSE lease_owner END,
         lease_until = CASE WHEN $11 THEN NULL ELSE $12::timestamptz END,
         updated_at = $13
       WHERE id = $1 AND state = $2 AND lease_owner = $3
       RETURNING *`,
      [
        from.id,
        from.state,
        owner,
        to,
        fields.items ? JSON.stringify(fields.items) : null,
        fields.amountCents ?? null,
        fields.currency ?? null,
        fields.paymentId ?? null,
        fields.orderId ?? null,
        fields.outcome ? JSON.stringify(fields.outcome) : null,
        finished(to),
        new Date(now.getTime() + leaseMs),
        now,
      ],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Extends the lease while its owner is still at work on a step (a slow callee must not cost it the lease). */
  async renew(id: string, owner: string, leaseMs: number): Promise<void> {
    await this.pool.query("UPDATE checkouts SET lease_until = $3 WHERE id = $1 AND lease_owner = $2", [
      id,
      owner,
      new Date(this.clock().getTime() + leaseMs),
    ]);
  }

  /** Lets go of a record without finishing it, so the next copy or the recovery worker takes it. */
  async release(id: string, owner: string): Promise<void> {
    await this.pool.query(
      "UPDATE checkouts SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
      [id, owner],
    );
  }

  /** Deletes a record that did nothing outside this table yet, so a retry starts afresh. */
  async forget(id: string, owner: string): Promise<void> {
    await this.pool.query("DELETE FROM checkouts WHERE id = $1 AND state = 'started' AND lease_owner = $2", [
      id,
      owner,
    ]);
  }

  /** How many unfinished records nobody holds. */
  async countStalled(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM checkouts WHERE ${UNFINISHED_SQL} AND (lease_until IS NULL OR lease_until <= $1)`,
      [this.clock()],
    );
    return Number(rows[0].n);
  }

  /** Unfinished records nobody holds, oldest first: the recovery worker's work. */
  async stalled(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM checkouts WHERE ${UNFINISHED_SQL} AND (lease_until IS NULL OR lease_until <= $1)
       ORDER BY updated_at, id LIMIT $2`,
      [this.clock(), limit],
    );
    return rows.map((r) => r.id);
  }
}
