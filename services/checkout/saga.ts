/**
 * The checkout saga: price the cart, charge, place the order, or undo the charge. Each step reads
 * the durable record, calls one service under a key derived from the checkout, and writes its
 * result back under the lease (saga-store.ts). Whatever fails, times out, crashes or runs twice:
 *
 * - a captured charge exists only with a placed order, and a placed order always has its charge;
 * - the record reaches "completed" only when both are in force, and only "completed" answers 201;
 * - undoing goes through the two keys' tombstones (orders' abandon, payments' cancel), which never
 *   undo a success: abandoning a key under which an order was placed returns that order, and the
 *   saga completes instead. So a late or concurrent copy can never void a sibling's order.
 *
 * A live request carries the card and so can charge; the recovery worker has no card (it is never
 * stored) and resolves a charge of unknown outcome by looking it up, then closing its key.
 */
import type { FastifyBaseLogger } from "fastify";
import {
  type Response as CallResponse,
  type ErrorBody,
  passOn,
  type ServiceClient,
  UpstreamError,
  UpstreamUnavailable,
} from "../lib/client.js";
import type { Card } from "../lib/schemas.js";
import { HttpError } from "../lib/server.js";
import {
  type CheckoutRecord,
  finished,
  type Outcome,
  type SagaState,
  type SagaStore,
  type StepFields,
} from "./saga-store.js";

export interface Payment {
  readonly id: string;
  readonly status: string;
  readonly amountCents: number;
  readonly orderRef?: string;
}
interface Order {
  readonly id: string;
  readonly paymentId: string;
  readonly status: string;
}

/** The step after which a process may be killed by the FAULT_CRASH_AFTER knob (chaos and crash tests). */
export const CRASH_POINTS = ["none", "charge", "order", "abandon-order"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export interface SagaDeps {
  readonly store: SagaStore;
  readonly cart: ServiceClient;
  readonly catalog: ServiceClient;
  readonly payments: ServiceClient;
  readonly orders: ServiceClient;
  readonly leaseMs: number;
  /** How long recovery keeps trying to place the order before it gives the money back. */
  readonly orderDeadlineMs: number;
  readonly clock: () => Date;
  readonly log: FastifyBaseLogger;
  /** Called after each step's call returns, before its result is written (the crash knob). */
  readonly afterCall: (point: CrashPoint) => void;
}

/** Who is driving, and with what: a live request has the card and the caller's headers. */
export interface Driver {
  readonly owner: string;
  readonly card?: Card;
  readonly headers: Readonly<Record<string, string>>;
}

/** The keys the saga writes under, derived from the record's id. */
export function sagaKeys(id: string) {
  return { payment: `co-${id}-pay`, order: `co-${id}-order` };
}

/** A step's verdict: the next state and what to write, or "stop" to leave the record to later. */
type Next = { readonly to: SagaState; readonly fields?: StepFields } | "stop";

const outcome = (status: number, error: string, message: string): Outcome => ({
  status,
  body: { error, message },
});

/** The callee could not give an answer (unreachable, timed out, or 5xx after every try). */
function unanswered(e: unknown): boolean {
  return e instanceof UpstreamUnavailable || e instanceof UpstreamError;
}

/**
 * Drives the record from wherever it is until it finishes or a step must wait; returns the
 * record as it was left. The lease is released when the driver stops short of the end.
 */
export async function drive(record: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<CheckoutRecord> {
  let current = record;
  while (!finished(current.state)) {
    let next: Next;
    // The lease lasts while this process works: a heartbeat renews it during a slow step, and
    // only a driver that is gone (crashed, hung) lets it run out.
    const id = current.id;
    const heartbeat = setInterval(
      () => void deps.store.renew(id, driver.owner, deps.leaseMs).catch(() => {}),
      Math.max(10, deps.leaseMs / 3),
    );
    try {
      next = await step(current, driver, deps);
    } catch (e) {
      // Nothing happened outside the record yet: free the key, so a retry starts afresh, and let
      // the caller hear why (an empty cart, catalog away).
      if (current.state === "started") {
        await deps.store.forget(current.id, driver.owner);
        throw e;
      }
      if (!unanswered(e)) {
        await deps.store.release(current.id, driver.owner);
        throw e;
      }
      deps.log.warn({ err: e, checkout: current.id, state: current.state }, "checkout step got no answer");
      next = "stop";
    } finally {
      clearInterval(heartbeat);
    }
    if (next === "stop") {
      await deps.store.release(current.id, driver.owner);
      return current;
    }
    const advanced = await deps.store.advance(
      current,
      driver.owner,
      next.to,
      next.fields ?? {},
      deps.leaseMs,
    );
    // Lost the lease: another copy or the recovery worker has it; report what the record says.
    if (!advanced) return (await deps.store.get(current.id)) ?? current;
    if (advanced.state !== current.state)
      deps.log.info({ checkout: current.id, from: current.state, to: advanced.state }, "checkout moved");
    current = advanced;
  }
  return current;
}

async function step(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  switch (c.state) {
    case "started":
      return price(c, driver, deps);
    case "priced":
      return driver.card ? charge(c, driver, deps) : resolveCharge(c, driver, deps);
    case "charged":
      return placeOrder(c, driver, deps);
    case "compensating":
      return compensate(c, driver, deps);
    default:
      return "stop";
  }
}

/** Reads the cart and prices it from catalog (never from the client). Nothing is spent yet. */
async function price(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  // Recovery has no card to charge with; nothing happened outside the record, so the checkout
  // ends here, uncharged, and its customer hears to start again with a new key.
  if (!driver.card) return { to: "abandoned", fields: { outcome: ABANDONED } };
  const { headers } = driver;
  const cart = await deps.cart.call<
    { items: { productId: string; quantity: number }[] } & Partial<ErrorBody>
  >("/cart", { headers });
  if (cart.status !== 200) throw passOn("cart", cart.status, cart.body);
  const lines = cart.body.items;
  if (lines.length === 0)
    throw new HttpError(409, "cart_empty", "the cart is empty; add products before checking out");
  const priced = await deps.catalog.call<
    { currency: string; prices: Record<string, number> } & Partial<ErrorBody>
  >("/prices", {
    method: "POST",
    headers,
    body: { ids: lines.map((l) => l.productId) },
    idempotencyKey: sagaKeys(c.id).order,
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
  return { to: "priced", fields: { items, amountCents, currency: priced.body.currency } };
}

/** Payments' 4xx to a charge (a bad card): nothing was charged, and every copy hears the same. */
function reject(status: number, body: unknown, callee: string): Next {
  const e = body as Partial<ErrorBody> | undefined;
  if (status >= 500) throw new UpstreamError(callee, status, body);
  return {
    to: "rejected",
    fields: {
      outcome: outcome(status, e?.error ?? "rejected", e?.message ?? `${callee} answered ${status}`),
    },
  };
}

const ABANDONED = outcome(
  409,
  "checkout_abandoned",
  "this checkout stopped before anything was charged; check out again with a new Idempotency-Key",
);

/** A POST under one of the checkout's keys; undefined when the callee gave no answer, so its effect is unknown. */
async function keyedPost<T>(
  client: ServiceClient,
  path: string,
  key: string,
  driver: Driver,
  c: CheckoutRecord,
  deps: SagaDeps,
  body: unknown,
): Promise<CallResponse<T> | undefined> {
  try {
    return await client.call<T>(path, { method: "POST", headers: driver.headers, idempotencyKey: key, body });
  } catch (e) {
    if (!unanswered(e)) throw e;
    deps.log.warn({ err: e, checkout: c.id, path }, "no answer; the outcome is unknown");
    return undefined;
  }
}

/** Charges under the checkout's payment key: a retry, a copy or a crash replays, never charges twice. */
async function charge(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  const keys = sagaKeys(c.id);
  const res = await keyedPost<Payment | ErrorBody>(
    deps.payments,
    "/payments",
    keys.payment,
    driver,
    c,
    deps,
    {
      amountCents: c.amountCents,
      currency: c.currency,
      orderRef: keys.order,
      card: driver.card,
    },
  );
  // No answer: the charge may or may not have happened. Find out, as recovery would.
  if (!res) return resolveCharge(c, driver, deps);
  deps.afterCall("charge");
  if (res.status === 201) {
    const payment = res.body as Payment;
    if (payment.status === "captured") return { to: "charged", fields: { paymentId: payment.id } };
    // Voided or refunded under this key already: the checkout was undone elsewhere.
    return { to: "compensating", fields: { paymentId: payment.id } };
  }
  const body = res.body as ErrorBody;
  if (res.status === 402) return { to: "declined", fields: { outcome: { status: 402, body } } };
  // The key was closed by a compensation that found no charge: nothing was spent.
  if (res.status === 409 && body.error === "charge_cancelled")
    return { to: "abandoned", fields: { outcome: ABANDONED } };
  return reject(res.status, body, "payments");
}

/**
 * A charge whose outcome is unknown, and no card to retry it with (or no answer to the retry):
 * if payments holds a captured charge under the key, go on to the order; otherwise close the
 * key, which voids a charge that lands meanwhile and keeps a later one from landing.
 */
async function resolveCharge(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  const keys = sagaKeys(c.id);
  const found = await deps.payments.call<{ items: Payment[] }>(
    `/payments?orderRef=${encodeURIComponent(keys.order)}`,
    {
      headers: driver.headers,
    },
  );
  if (found.status !== 200) throw new UpstreamError("payments", found.status, found.body);
  const captured = found.body.items.find((p) => p.status === "captured");
  if (captured) return { to: "charged", fields: { paymentId: captured.id } };
  const closed = await closeCharge(c, driver, deps);
  if (closed === "stop") return closed;
  return closed.payment
    ? { to: "voided", fields: { paymentId: closed.payment.id, outcome: voided(closed.payment.id) } }
    : { to: "abandoned", fields: { outcome: ABANDONED } };
}

/** Places the order under the checkout's order key; a copy or a retry gets the same order. */
async function placeOrder(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  const keys = sagaKeys(c.id);
  const res = await keyedPost<Order | ErrorBody>(deps.orders, "/orders", keys.order, driver, c, deps, {
    userId: c.userId,
    paymentId: c.paymentId,
    currency: c.currency,
    items: c.items,
  });
  if (!res) {
    // A live customer is waiting: give the money back now (abandoning the key is safe even if the
    // order landed). Recovery keeps trying until the deadline, since that is what was asked for.
    const age = deps.clock().getTime() - c.createdAt.getTime();
    return driver.card || age >= deps.orderDeadlineMs ? { to: "compensating" } : "stop";
  }
  deps.afterCall("order");
  if (res.status === 201) return completed(res.body as Order, driver, deps);
  deps.log.warn(
    { checkout: c.id, status: res.status, body: res.body },
    "orders refused the order; compensating",
  );
  return { to: "compensating" };
}

/** Undoes the checkout: closes the order key (keeping an order that landed), then the charge. */
async function compensate(c: CheckoutRecord, driver: Driver, deps: SagaDeps): Promise<Next> {
  const keys = sagaKeys(c.id);
  const abandoned = await closeKey<{ abandoned: boolean; order: Order | null }>(
    deps.orders,
    "orders",
    "/orders/abandon",
    keys.order,
    driver,
  );
  deps.afterCall("abandon-order");
  const order = abandoned.order;
  if (order && order.status === "placed") return completed(order, driver, deps);
  const closed = await closeCharge(c, driver, deps);
  if (closed === "stop") return closed;
  const paymentId = closed.payment?.id ?? c.paymentId;
  return paymentId
    ? { to: "voided", fields: { paymentId, outcome: voided(paymentId) } }
    : { to: "abandoned", fields: { outcome: ABANDONED } };
}

/**
 * Closes one of the checkout's keys at the service that owns it (orders' abandon, payments'
 * cancel). Closing is idempotent, so the call is retried like any keyed one.
 */
async function closeKey<T>(
  client: ServiceClient,
  service: string,
  path: string,
  key: string,
  driver: Driver,
): Promise<T> {
  const res = await client.call<T & Partial<ErrorBody>>(path, {
    method: "POST",
    headers: driver.headers,
    body: { idempotencyKey: key },
    idempotencyKey: `${key}-close`,
  });
  if (res.status !== 200) throw new UpstreamError(service, res.status, res.body);
  return res.body;
}

/** Closes the charge's key at payments (voiding a charge made under it). */
async function closeCharge(
  c: CheckoutRecord,
  driver: Driver,
  deps: SagaDeps,
): Promise<{ payment?: Payment } | "stop"> {
  const keys = sagaKeys(c.id);
  const res = await closeKey<{ cancelled: boolean; payment: Payment | null }>(
    deps.payments,
    "payments",
    "/payments/cancel",
    keys.payment,
    driver,
  );
  if (!res.cancelled) {
    // Refunded by hand meanwhile: a person is handling this one; leave it for them.
    deps.log.error(
      { checkout: c.id, payment: res.payment?.id },
      "charge refunded by hand; checkout left for review",
    );
    return "stop";
  }
  return { payment: res.payment ?? undefined };
}

function voided(paymentId: string): Outcome {
  return outcome(
    409,
    "checkout_voided",
    `the order could not be placed, so the charge ${paymentId} was voided and the cart kept; check out again with a new Idempotency-Key`,
  );
}

/** Both are in force: the record completes with the answer every copy will get. */
async function completed(order: Order, driver: Driver, deps: SagaDeps): Promise<Next> {
  const payment = await deps.payments.call<Payment>(`/payments/${order.paymentId}`, {
    headers: driver.headers,
  });
  if (payment.status !== 200) throw new UpstreamError("payments", payment.status, payment.body);
  return {
    to: "completed",
    fields: { orderId: order.id, outcome: { status: 201, body: { order, payment: payment.body } } },
  };
}

/** The answer for a record: its outcome when finished, otherwise "still in progress". */
export function answer(c: CheckoutRecord): Outcome {
  if (finished(c.state) && c.outcome) return c.outcome;
  if (finished(c.state)) throw new HttpError(500, "internal", `checkout ${c.id} finished without an outcome`);
  return {
    status: 202,
    body: {
      checkout: { id: c.id, state: c.state },
      message:
        "the checkout is still in progress; send the same request with the same Idempotency-Key to see how it ended",
    },
  };
}
