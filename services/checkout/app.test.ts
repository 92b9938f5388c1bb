import { jest } from "@jest/globals";
import { type InProcessShop, startInProcessShop, untilReady } from "../local/in-process.js";
import { TEST_CARDS } from "../payments/card.js";
import type { CheckoutService } from "./app.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

// The whole shop in this process, on real Redis and PostgreSQL.
let shop: InProcessShop;
beforeAll(async () => {
  shop = await startInProcessShop();
  await untilReady(shop.urls);
});
afterAll(async () => shop.stop());

let n = 0;
const card = (number: string = TEST_CARDS.approved) => ({ number, expMonth: 12, expYear: 2030, cvv: "123" });

/** A customer with a fresh session and cart. */
function customer(checkoutUrl = () => shop.urls.checkout) {
  const sid = `checkout-test-${String(++n).padStart(6, "0")}`;
  const json = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      headers: { "content-type": "application/json", "x-session-id": sid, ...(init.headers as object) },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    sid,
    add: (productId: string, quantity: number) =>
      json(`${shop.urls.cart}/cart/items`, { method: "POST", body: JSON.stringify({ productId, quantity }) }),
    cart: () => json(`${shop.urls.cart}/cart`),
    checkout: (key: string | undefined, body: unknown = { userId: "user-1", card: card() }) =>
      json(`${checkoutUrl()}/checkout`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: key ? { "idempotency-key": key } : {},
      }),
  };
}

const ordersOf = async (userId: string) =>
  ((await (await fetch(`${shop.urls.orders}/orders?userId=${userId}`)).json()) as any).items;

describe("checkout", () => {
  it("prices the cart from catalog, charges once, persists the order and clears the cart", async () => {
    const c = customer();
    await c.add("cof-001", 2);
    await c.add("tea-001", 1);
    const priced = await fetch(`${shop.urls.catalog}/prices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ids: ["cof-001", "tea-001"] }),
    });
    const { prices } = (await priced.json()) as any;
    const res = await c.checkout("purchase-key-1", { userId: "buyer-1", card: card() });
    expect(res.status).toBe(201);
    const { order, payment } = res.body;
    const expected = 2 * prices["cof-001"] + prices["tea-001"];
    expect(order).toEqual(
      expect.objectContaining({ userId: "buyer-1", status: "placed", totalCents: expected }),
    );
    expect(payment).toEqual(
      expect.objectContaining({ status: "captured", amountCents: expected, id: order.paymentId }),
    );
    expect(await ordersOf("buyer-1")).toEqual([order]);
    expect((await c.cart()).body.items).toEqual([]);
  });

  it("answers a retried checkout with the same order and one charge, even when the retries race", async () => {
    const c = customer();
    await c.add("cof-002", 1);
    const tries = await Promise.all(
      [1, 2, 3, 4].map(() => c.checkout("retry-key-0001", { userId: "buyer-2", card: card() })),
    );
    expect(tries.every((t) => t.status === 201)).toBe(true);
    expect(new Set(tries.map((t) => t.body.order.id)).size).toBe(1);
    const again = await c.checkout("retry-key-0001", { userId: "buyer-2", card: card() });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.order.id).toBe(tries[0].body.order.id);
    expect(await ordersOf("buyer-2")).toHaveLength(1);
    const charges = await fetch(
      `${shop.urls.payments}/payments?orderRef=${encodeURIComponent(tries[0].body.payment.orderRef)}`,
    );
    expect(((await charges.json()) as any).items).toHaveLength(1);
  });

  it("keeps the cart and writes no order when the card is declined", async () => {
    const c = customer();
    await c.add("cup-001", 1);
    const res = await c.checkout("declined-key-1", { userId: "buyer-3", card: card(TEST_CARDS.declined) });
    expect(res.status).toBe(402);
    expect(res.body).toEqual({ error: "card_declined", message: "the card was declined by the issuer" });
    expect((await c.cart()).body.items).toEqual([{ productId: "cup-001", quantity: 1 }]);
    expect(await ordersOf("buyer-3")).toEqual([]);
  });

  it("gives the money back when orders refuses every create, and a retry hears the same outcome", async () => {
    // Orders that fail every create but answer everything else, through the fault knobs.
    const failing = await shop.extra("orders", { FAULT_ERROR_RATE: "1", FAULT_PATHS: "/orders" });
    const checkout = await shop.extra("checkout", { ORDERS_URL: failing.url, UPSTREAM_RETRIES: "1" });
    const c = customer(() => checkout.url);
    await c.add("brw-002", 2);
    const res = await c.checkout("create-fails-key", { userId: "buyer-5", card: card() });
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("checkout_voided");
    expect(res.body.message).toMatch(/the charge pay_\S+ was voided and the cart kept/);
    const paymentId = res.body.message.match(/pay_[0-9a-f-]{36}/)?.[0];
    expect(await ordersOf("buyer-5")).toEqual([]);
    expect((await c.cart()).body.items).toEqual([{ productId: "brw-002", quantity: 2 }]);
    const payment = (await (await fetch(`${shop.urls.payments}/payments/${paymentId}`)).json()) as any;
    expect(payment.status).toBe("voided");
    const charges = (await (
      await fetch(`${shop.urls.payments}/payments?orderRef=${payment.orderRef}`)
    ).json()) as any;
    expect(charges.items).toHaveLength(1);
    // A retry with the same key gets the same outcome instead of ordering unpaid or charging again.
    const retry = await c.checkout("create-fails-key", { userId: "buyer-5", card: card() });
    expect([retry.status, retry.body.error]).toEqual([409, "checkout_voided"]);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers 202 while payments cannot say whether it charged, and recovery settles it", async () => {
    const down = await shop.extra("payments", { FAULT_ERROR_RATE: "1" });
    const checkout = await shop.extra("checkout", {
      PAYMENTS_URL: down.url,
      UPSTREAM_RETRIES: "0",
      CHECKOUT_RECOVERY_INTERVAL_MS: "0",
    });
    const c = customer(() => checkout.url);
    await c.add("brw-003", 1);
    const res = await c.checkout("payments-down-key", { userId: "buyer-7", card: card() });
    expect(res.status).toBe(202);
    expect(res.body.checkout.state).toBe("priced");
    expect((await c.cart()).body.items).toHaveLength(1);
    // With payments back, recovery (at start-up, and this pass) finds no charge under the key and
    // closes it: nothing was spent, and nothing is left waiting.
    const healed = await shop.extra("checkout", { CHECKOUT_RECOVERY_INTERVAL_MS: "0" });
    expect((await (healed.service as CheckoutService).recovery.runOnce()).awaiting).toBe(0);
    const again = await c.checkout("payments-down-key", { userId: "buyer-7", card: card() });
    expect([again.status, again.body.error]).toEqual([409, "checkout_abandoned"]);
    expect(await ordersOf("buyer-7")).toEqual([]);
  });

  it.each([
    [
      "no session",
      { "x-session-id": "" },
      "key-bad-0001",
      { userId: "u", card: card() },
      400,
      "missing_session",
    ],
    ["no Idempotency-Key", {}, undefined, { userId: "u", card: card() }, 400, "missing_idempotency_key"],
    [
      "a client-supplied price",
      {},
      "key-bad-0002",
      { userId: "u", card: card(), totalCents: 1 },
      400,
      "invalid_request",
    ],
    [
      "a bad card number",
      {},
      "key-bad-0003",
      { userId: "u", card: card("4242424242424241") },
      400,
      "invalid_card_number",
    ],
  ])("refuses %s with a 4xx and charges nothing", async (_what, headers, key, body, status, error) => {
    const c = customer();
    await c.add("cof-003", 1);
    const res = await fetch(`${shop.urls.checkout}/checkout`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-session-id": c.sid,
        ...(key ? { "idempotency-key": key } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as any).error).toBe(error);
    expect((await c.cart()).body.items).toHaveLength(1);
  });

  it("refuses an empty cart and a cart holding an unknown product", async () => {
    const empty = customer();
    const res = await empty.checkout("empty-cart-key");
    expect(res.status).toBe(409);
    expect(res.body.error).toBe("cart_empty");
    const stale = customer();
    await stale.add("zzz-999", 1);
    const unknown = await stale.checkout("stale-cart-key", { userId: "buyer-6", card: card() });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error).toBe("unknown_product");
    expect(await ordersOf("buyer-6")).toEqual([]);
  });
});
