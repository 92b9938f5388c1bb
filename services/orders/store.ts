/**
 * Orders in PostgreSQL. Creation is idempotent on the Idempotency-Key: the key is unique in the
 * table, so concurrent retries race on the index and exactly one insert wins; the others read
 * the winner back. A cancelled key leaves a tombstone, so a create that arrives late (after the
 * caller gave up and voided the charge) can never bring the order back.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { transaction } from "../lib/transaction.js";

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export interface NewOrder {
  readonly userId: string;
  readonly paymentId: string;
  readonly currency: string;
  readonly items: readonly OrderLine[];
}

export interface Order extends NewOrder {
  readonly id: string;
  readonly status: "placed" | "cancelled";
  readonly totalCents: number;
  readonly createdAt: string;
}

export type CreateResult =
  | { readonly kind: "created" | "replayed"; readonly order: Order }
  | { readonly kind: "key_reused" }
  | { readonly kind: "cancelled" };

interface OrderRow {
  id: string;
  user_id: string;
  status: "placed" | "cancelled";
  payment_id: string | null;
  currency: string;
  total_cents: number;
  created_at: Date;
  fingerprint: string;
}

const SELECT_ORDER = `
  SELECT o.id, o.user_id, o.status, o.payment_id, o.currency, o.total_cents, o.created_at, o.fingerprint,
         COALESCE(json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity,
                  'unitPriceCents', i.unit_price_cents) ORDER BY i.product_id)
                  FILTER (WHERE i.order_id IS NOT NULL), '[]') AS items
  FROM orders o LEFT JOIN order_items i ON i.order_id = o.id`;

function toOrder(row: OrderRow & { items: OrderLine[] }): Order {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status,
    paymentId: row.payment_id ?? "",
    currency: row.currency,
    totalCents: row.total_cents,
    items: row.items,
    createdAt: row.created_at.toISOString(),
  };
}

export class OrderStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(key: string, fingerprint: string, order: NewOrder): Promise<CreateResult> {
    const created = await transaction(this.pool, async (client) => {
      const id = randomUUID();
      const total = order.items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
      const inserted = await client.query(
        `INSERT INTO orders (id, idempotency_key, fingerprint, user_id, status, payment_id, currency, total_cents)
         VALUES ($1, $2, $3, $4, 'placed', $5, $6, $7) ON CONFLICT (idempotency_key) DO NOTHING`,
        [id, key, fingerprint, order.userId, order.paymentId, order.currency, total],
      );
      if (inserted.rowCount !== 1) return undefined;
      await client.query(
        `INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
         SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[])`,
        [
          id,
          order.items.map((l) => l.productId),
          order.items.map((l) => l.quantity),
          order.items.map((l) => l.unitPriceCents),
        ],
      );
      // Read back on the same connection: taking a second one while holding this one starved
      // the pool under bursts (every request held one and waited for another).
      return this.row("WHERE o.id = $1", [id], client);
    });
    if (created) return { kind: "created", order: toOrder(created) };
    // The key was taken (a retry, or a copy racing this one): read what is under it.
    const existing = await this.row("WHERE o.idempotency_key = $1", [key]);
    if (!existing) throw new Error(`order for key ${key} vanished after a conflict`);
    if (existing.status === "cancelled") return { kind: "cancelled" };
    if (existing.fingerprint !== fingerprint) return { kind: "key_reused" };
    return { kind: "replayed", order: toOrder(existing) };
  }

  /**
   * Closes `key` to new orders: if none was placed under it, leaves a tombstone so that none can
   * be created later; an order already placed stays placed and is returned. Checkout compensates
   * through this, so a late or concurrent copy can never undo an order its sibling placed.
   */
  async abandonKey(key: string): Promise<{ readonly abandoned: boolean; readonly order?: Order }> {
    await this.pool.query(
      `INSERT INTO orders (id, idempotency_key, fingerprint, user_id, status, currency, total_cents)
       VALUES ($1, $2, '', '', 'cancelled', 'EUR', 0)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [randomUUID(), key],
    );
    const row = await this.row("WHERE o.idempotency_key = $1", [key]);
    if (!row) throw new Error(`order key ${key} vanished after its tombstone`);
    if (row.user_id === "") return { abandoned: true };
    return { abandoned: row.status === "cancelled", order: toOrder(row) };
  }

  async get(id: string): Promise<Order | undefined> {
    const row = await this.row("WHERE o.id = $1 AND o.user_id <> ''", [id]);
    return row ? toOrder(row) : undefined;
  }

  async byKey(key: string): Promise<Order | undefined> {
    const row = await this.row("WHERE o.idempotency_key = $1 AND o.user_id <> ''", [key]);
    return row ? toOrder(row) : undefined;
  }

  async listByUser(userId: string, limit: number): Promise<Order[]> {
    const { rows } = await this.pool.query<OrderRow & { items: OrderLine[] }>(
      `${SELECT_ORDER} WHERE o.user_id = $1 GROUP BY o.id ORDER BY o.created_at DESC, o.id LIMIT $2`,
      [userId, limit],
    );
    return rows.map(toOrder);
  }

  private async row(where: string, values: unknown[], on: pg.Pool | pg.PoolClient = this.pool) {
    const { rows } = await on.query<OrderRow & { items: OrderLine[] }>(
      `${SELECT_ORDER} ${where} GROUP BY o.id`,
      values,
    );
    return rows[0];
  }
}
