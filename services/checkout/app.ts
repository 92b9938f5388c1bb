import { createHash } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import {
  COMMON_SETTINGS,
  calleeUrl,
  type loadSettings,
  setting,
  UPSTREAM_SETTINGS,
} from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { clientFor, type ErrorBody, passOn, type ServiceClient } from "../lib/client.js";
import { idempotencyKey } from "../lib/idempotency.js";
import { CARD, type Card, USER_ID } from "../lib/schemas.js";
import { createService, HttpError, propagatedHeaders, type Service } from "../lib/server.js";
import { SESSION_HEADER, sessionId } from "../lib/session.js";

export const CHECKOUT_SETTINGS = {
  ...COMMON_SETTINGS,
  ...UPSTREAM_SETTINGS,
  PORT: setting.port(servicePort("checkout")),
  CART_URL: calleeUrl("cart"),
  CATALOG_URL: calleeUrl("catalog"),
  PAYMENTS_URL: calleeUrl("payments"),
  ORDERS_URL: calleeUrl("orders"),
};
export type CheckoutSettings = ReturnType<typeof loadSettings<typeof CHECKOUT_SETTINGS>>;

interface CartView {
  items: { productId: string; quantity: number }[];
}
interface Payment {
  id: string;
  status: string;
  amountCents: number;
  last4: string;
}
interface Order {
  id: string;
  paymentId: string;
  totalCents: number;
}

/**
 * The keys checkout derives from the customer's Idempotency-Key, scoped to the session so two
 * customers' keys never meet. The same checkout always charges and orders under the same keys.
 */
function derivedKeys(key: string, session: string) {
  const base = createHash("sha256").update(`${session}\n${key}`).digest("hex").slice(0, 40);
  return { payment: `co-${base}-pay`, order: `co-${base}-order` };
}

/**
 * Checkout: reads the cart, prices it from catalog (never from the client), charges payments,
 * creates the order, then clears the cart.
 *
 * The invariant is that nobody is charged without an order: if the order cannot be created
 * after the charge, the order's key is cancelled (so a late create cannot land) and the charge is
 * voided. A retried checkout with the same Idempotency-Key answers with the same order; every
 * downstream write is idempotent under a key derived from it.
 */
export function buildCheckout(settings: CheckoutSettings): Service {
  const service = createService({ name: "checkout", settings });
  const { app } = service;
  const cart = clientFor("cart", settings.CART_URL, settings);
  const catalog = clientFor("catalog", settings.CATALOG_URL, settings);
  const payments = clientFor("payments", settings.PAYMENTS_URL, settings);
  const orders = clientFor("orders", settings.ORDERS_URL, settings);

  /** Voids a charge; returns false (and logs for reconciliation) if every try failed. */
  const voidCharge = async (paymentId: string, headers: Record<string, string>, log: FastifyBaseLogger) => {
    try {
      const res = await payments.call<Payment>(`/payments/${paymentId}/void`, {
        method: "POST",
        headers,
        body: {},
      });
      if (res.status === 200) return true;
      log.error(
        { payment: paymentId, status: res.status, body: res.body },
        "void refused; reconcile this payment",
      );
    } catch (e) {
      log.error({ err: e, payment: paymentId }, "void failed; reconcile this payment");
    }
    return false;
  };

  app.post(
    "/checkout",
    {
      schema: {
        body: {
          type: "object",
          required: ["userId", "card"],
          additionalProperties: false,
          properties: { userId: USER_ID, card: CARD },
        },
      },
    },
    async (request, reply) => {
      const session = sessionId(request.headers);
      const key = idempotencyKey(request.headers);
      const keys = derivedKeys(key, session);
      const headers = { ...propagatedHeaders(request), [SESSION_HEADER]: session };
      const { userId, card } = request.body as { userId: string; card: Card };
      const log = request.log;

      // A retry of a checkout that already produced an order answers with that order.
      const previous = await orders.call<{ items: Order[] }>(
        `/orders?idempotencyKey=${encodeURIComponent(keys.order)}`,
        { headers },
      );
      if (previous.status === 200 && previous.body.items.length > 0) {
        const order = previous.body.items[0];
        const payment = await payments.call<Payment>(`/payments/${order.paymentId}`, { headers });
        return reply.code(201).header("idempotent-replayed", "true").send({ order, payment: payment.body });
      }

      const current = await cart.call<CartView>("/cart", { headers });
      if (current.status !== 200) throw passOn("cart", current.status, current.body);
      const lines = current.body.items;
      if (lines.length === 0)
        throw new HttpError(409, "cart_empty", "the cart is empty; add products before checking out");

      const priced = await catalog.call<
        { currency: string; prices: Record<string, number> } & Partial<ErrorBody>
      >("/prices", {
        method: "POST",
        headers,
        body: { ids: lines.map((l) => l.productId) },
        idempotencyKey: keys.order,
      });
      if (priced.status === 404)
        throw new HttpError(
          409,
          "unknown_product",
          `the cart holds a product the shop no longer sells: ${priced.body.message}`,
        );
      if (priced.status !== 200) throw passOn("catalog", priced.status, priced.body);
      const items = lines.map((l) => ({ ...l, unitPriceCents: priced.body.prices[l.productId] }));
      const amountCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);

      let charged: Awaited<ReturnType<ServiceClient["call"]>>;
      try {
        charged = await payments.call<Payment | ErrorBody>("/payments", {
          method: "POST",
          headers,
          idempotencyKey: keys.payment,
          body: { amountCents, currency: priced.body.currency, orderRef: keys.order, card },
        });
      } catch (e) {
        // The charge may or may not have happened; find it under its order reference and void it.
        await voidByOrderRef(keys.order);
        throw e;
      }
      if (charged.status !== 201) throw passOn("payments", charged.status, charged.body);
      const payment = charged.body as Payment;
      if (payment.status === "voided")
        throw new HttpError(
          409,
          "checkout_voided",
          "an earlier attempt with this Idempotency-Key was voided because its order failed; retry with a new key",
        );

      let order: Order | undefined;
      let failure = "";
      try {
        const created = await orders.call<Order | ErrorBody>("/orders", {
          method: "POST",
          headers,
          idempotencyKey: keys.order,
          body: { userId, paymentId: payment.id, currency: priced.body.currency, items },
        });
        if (created.status === 201) order = created.body as Order;
        else failure = `orders answered ${created.status}: ${(created.body as ErrorBody).message}`;
      } catch (e) {
        failure = (e as Error).message;
      }
      if (!order) {
        // Cancel first, so an order still in flight cannot land after the charge is gone.
        await orders
          .call("/orders/cancel", { method: "POST", headers, body: { idempotencyKey: keys.order } })
          .catch((e) => log.warn({ err: e }, "could not cancel the order key"));
        const voided = await voidCharge(payment.id, headers, log);
        log.warn({ payment: payment.id, voided, failure }, "order failed after the charge");
        throw new HttpError(
          voided ? 503 : 502,
          "order_failed",
          voided
            ? `the order could not be created (${failure}); the charge ${payment.id} was voided and the cart kept`
            : `the order could not be created (${failure}) and the charge ${payment.id} could not be voided yet; it will be reconciled`,
        );
      }

      const cleared = await cart.call("/cart", { method: "DELETE", headers }).catch((e: Error) => e);
      if (cleared instanceof Error || cleared.status !== 204)
        log.warn({ order: order.id }, "order placed but the cart could not be cleared");
      log.info({ order: order.id, payment: payment.id, amountCents }, "checkout complete");
      return reply.code(201).send({ order, payment });

      async function voidByOrderRef(orderRef: string) {
        try {
          const found = await payments.call<{ items: Payment[] }>(
            `/payments?orderRef=${encodeURIComponent(orderRef)}`,
            { headers },
          );
          for (const p of found.body.items ?? [])
            if (p.status === "captured") await voidCharge(p.id, headers, log);
        } catch (e) {
          log.error({ err: e, orderRef }, "charge outcome unknown; reconcile by order reference");
        }
      }
    },
  );
  return service;
}
