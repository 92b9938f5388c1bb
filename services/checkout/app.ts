import { createHash, randomUUID } from "node:crypto";
import {
  COMMON_SETTINGS,
  calleeUrl,
  type loadSettings,
  setting,
  UPSTREAM_SETTINGS,
} from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { clientFor } from "../lib/client.js";
import { DATABASE_SETTINGS, prepareDatabase } from "../lib/database.js";
import { idempotencyKey } from "../lib/idempotency.js";
import { CARD, type Card, USER_ID } from "../lib/schemas.js";
import { createService, HttpError, propagatedHeaders, type Service } from "../lib/server.js";
import { SESSION_HEADER, sessionId } from "../lib/session.js";
import { CHECKOUT_SCHEMA, MIGRATIONS } from "./migrations.js";
import { type RecoveryWorker, recoveryWorker } from "./recovery.js";
import { answer, CRASH_POINTS, type CrashPoint, drive, type SagaDeps } from "./saga.js";
import { type CheckoutRecord, finished, SagaStore } from "./saga-store.js";

export const CHECKOUT_SETTINGS = {
  ...COMMON_SETTINGS,
  ...UPSTREAM_SETTINGS,
  ...DATABASE_SETTINGS,
  PORT: setting.port(servicePort("checkout")),
  CART_URL: calleeUrl("cart"),
  CATALOG_URL: calleeUrl("catalog"),
  PAYMENTS_URL: calleeUrl("payments"),
  ORDERS_URL: calleeUrl("orders"),
  /** How long a copy holds a checkout it drives; past it, another copy or the recovery worker takes over. */
  CHECKOUT_LEASE_MS: setting.integer(30_000, 50, 600_000),
  /** How long a copy waits for a sibling that holds the checkout before answering 202. */
  CHECKOUT_WAIT_MS: setting.integer(5_000, 0, 60_000),
  /** How long recovery keeps trying to place a paid order before it voids the charge. */
  CHECKOUT_ORDER_DEADLINE_MS: setting.integer(15 * 60_000, 0, 24 * 3_600_000),
  /** The recovery worker's period; 0 runs it at start-up only. */
  CHECKOUT_RECOVERY_INTERVAL_MS: setting.integer(10_000, 0, 3_600_000),
  /** Chaos and crash tests only: kill this process (SIGKILL) right after the named step's call returns. */
  FAULT_CRASH_AFTER: setting.oneOf(CRASH_POINTS, "none"),
};
export type CheckoutSettings = ReturnType<typeof loadSettings<typeof CHECKOUT_SETTINGS>>;

export interface CheckoutService extends Service {
  readonly recovery: RecoveryWorker;
}

/** A checkout's record id: the customer's Idempotency-Key scoped to the session, so two customers' keys never meet. */
export function checkoutId(key: string, session: string): string {
  return createHash("sha256").update(`${session}\n${key}`).digest("hex").slice(0, 40);
}

/**
 * Checkout: a saga over cart, catalog, payments and orders whose state lives in PostgreSQL
 * (saga.ts). Every copy of one checkout (a retry, a duplicate, a client that timed out and tried
 * again) joins one record and gets one outcome; 201 only once the order and its charge are both
 * in force. A recovery worker finishes what crashed or stalled.
 */
export function buildCheckout(
  settings: CheckoutSettings,
  clock: () => Date = () => new Date(),
): CheckoutService {
  const db = prepareDatabase(
    settings,
    { application: "checkout", schema: CHECKOUT_SCHEMA, migrations: MIGRATIONS },
    (e) => service.app.log.warn({ err: e }, "idle database connection failed"),
  );
  const service = createService({ name: "checkout", settings, readiness: db.readiness });
  const { app } = service;
  const cart = clientFor("cart", settings.CART_URL, settings);
  const store = new SagaStore(db.pool, clock);
  const deps: SagaDeps = {
    store,
    cart,
    catalog: clientFor("catalog", settings.CATALOG_URL, settings),
    payments: clientFor("payments", settings.PAYMENTS_URL, settings),
    orders: clientFor("orders", settings.ORDERS_URL, settings),
    leaseMs: settings.CHECKOUT_LEASE_MS,
    orderDeadlineMs: settings.CHECKOUT_ORDER_DEADLINE_MS,
    clock,
    log: app.log,
    afterCall: (point: CrashPoint) => {
      if (point !== settings.FAULT_CRASH_AFTER) return;
      app.log.fatal({ point }, "FAULT_CRASH_AFTER: killing this process");
      process.kill(process.pid, "SIGKILL");
    },
  };
  const clearCart = async (session: string, headers: Record<string, string> = {}) => {
    const res = await cart.call("/cart", {
      method: "DELETE",
      headers: { ...headers, [SESSION_HEADER]: session },
    });
    if (res.status !== 204)
      app.log.warn({ status: res.status }, "order placed but the cart could not be cleared");
  };
  const recovery = recoveryWorker(deps, service.registry, (session) => clearCart(session));
  app.addHook("onReady", async () => {
    db.start(app.log);
    void db.ready().then(() => recovery.start(settings.CHECKOUT_RECOVERY_INTERVAL_MS));
  });
  app.addHook("onClose", async () => {
    await recovery.stop();
    await db.close();
  });

  /**
   * Joins the checkout's record and drives it if nobody else does; waits (up to CHECKOUT_WAIT_MS)
   * for a sibling that does. Returns the record as it stands when this copy must answer.
   */
  const settle = async (
    first: CheckoutRecord,
    claim: () => Promise<CheckoutRecord>,
    driver: { card: Card; headers: Record<string, string> },
  ): Promise<CheckoutRecord> => {
    const until = Date.now() + settings.CHECKOUT_WAIT_MS;
    let pause = 20;
    let record = first;
    for (;;) {
      if (finished(record.state)) return record;
      const owner = randomUUID();
      const mine = await db.run(() => store.acquire(record.id, owner, settings.CHECKOUT_LEASE_MS));
      if (mine) return drive(mine, { owner, ...driver }, deps);
      if (Date.now() >= until) return record;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 250);
      // A record forgotten meanwhile (its first step failed) is claimed afresh.
      record = (await db.run(() => store.get(record.id))) ?? (await db.run(claim));
    }
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
      const id = checkoutId(key, session);
      const headers = { ...propagatedHeaders(request), [SESSION_HEADER]: session };
      const { userId, card } = request.body as { userId: string; card: Card };
      const fingerprint = createHash("sha256").update(JSON.stringify({ userId, card })).digest("hex");
      const claim = () => store.claim(id, fingerprint, userId, session);
      const first = await db.run(claim);
      if (first.fingerprint !== fingerprint)
        return reply.code(409).send({
          error: "idempotency_key_reused",
          message: "this Idempotency-Key was used for a different checkout; use a new key",
        });
      const record = await settle(first, claim, { card, headers });
      const { status, body } = answer(record);
      // Only the copies that saw the checkout through clear the cart: a replay days later must not
      // empty a cart the customer has filled again.
      if (status === 201 && !finished(first.state)) {
        await clearCart(session, headers).catch((e) => request.log.warn({ err: e }, "cart not cleared"));
        request.log.info(
          { checkout: id, order: record.orderId, payment: record.paymentId },
          "checkout complete",
        );
      }
      if (status === 202) reply.header("retry-after", "1");
      if (finished(first.state)) reply.header("idempotent-replayed", "true");
      return reply.code(status).send(body);
    },
  );

  // How a checkout stands, for a client that got 202 (or lost the answer) and has no card to resend.
  app.get("/checkout/status", async (request) => {
    const id = checkoutId(idempotencyKey(request.headers), sessionId(request.headers));
    const record = await db.run(() => store.get(id));
    if (!record)
      throw new HttpError(404, "unknown_checkout", "no checkout under this session and Idempotency-Key");
    return {
      checkout: { id: record.id, state: record.state },
      ...(finished(record.state) ? { outcome: answer(record) } : {}),
    };
  });
  return Object.assign(service, { recovery });
}
