/**
 * End to end: real Redis and PostgreSQL on loopback, the seven services as separate processes,
 * driven over HTTP the way a browser, a retrying client and the load generator drive them.
 */
import { jest } from "@jest/globals";
import pg from "pg";
import { createClient } from "redis";
import { freePort } from "../common/free-port.js";
import { apiShopper } from "../test/shopper.js";
import { PRODUCTS } from "./catalog/products.js";
import { DEFAULT_MIX } from "./load/journey.js";
import { summarize, table } from "./load/report.js";
import { runLoad } from "./load/runner.js";
import { freeOffset, type RunningShop, startShop } from "./local/processes.js";
import { TEST_CARDS } from "./payments/card.js";

// Seven processes compile their TypeScript at start-up; a slow machine needs the time.
jest.setTimeout(120_000);

let shop: RunningShop;
let db: pg.Client;
const logs: string[] = [];

beforeAll(async () => {
  shop = await startShop({
    portOffset: await freeOffset(),
    env: { PATH: process.env.PATH, LOG_LEVEL: "warn" },
    log: (service, line) => logs.push(`${service} ${line}`),
  });
  const { postgresql } = shop.stores;
  db = new pg.Client({ ...postgresql });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await shop?.stop();
});

const card = (number: string = TEST_CARDS.approved) => ({ number, expMonth: 12, expYear: 2030, cvv: "123" });

const shopper = () => apiShopper(shop.urls.frontend);

async function placedOrders(userId: string) {
  const { rows } = await db.query(
    "SELECT id, payment_id, total_cents FROM orders WHERE user_id = $1 AND status = 'placed'",
    [userId],
  );
  return rows;
}
async function cartInRedis(sid: string): Promise<Record<string, string>> {
  const { redis } = shop.stores;
  const client = createClient({ socket: { host: redis.host, port: redis.port }, password: redis.password });
  await client.connect();
  try {
    return await client.hGetAll(`cart:${sid}`);
  } finally {
    await client.close();
  }
}
async function chargesFor(orderRef: string) {
  const res = await fetch(`${shop.urls.payments}/payments?orderRef=${encodeURIComponent(orderRef)}`);
  return ((await res.json()) as { items: { id: string; status: string; amountCents: number }[] }).items;
}
/** A metric's value from a service's /metrics, on its metrics port. */
async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${shop.metricsUrl(url)}/metrics`)).text();
  const found = text.split("\n").find((l) => line.test(l));
  return found ? Number(found.split(" ").pop()) : 0;
}

describe("the shop, end to end", () => {
  it("completes a purchase: the order is persisted, the cart cleared, the payment captured once", async () => {
    const s = await shopper();
    await s.call("/api/cart/items", "POST", { productId: "cof-001", quantity: 2 });
    await s.call("/api/cart/items", "POST", { productId: "brw-001", quantity: 1 });
    const price = (id: string) => (PRODUCTS.find((p) => p.id === id) as { priceCents: number }).priceCents;
    const res = await s.call(
      "/api/checkout",
      "POST",
      { card: card() },
      { "idempotency-key": "e2e-purchase-1" },
    );
    expect(res.status).toBe(201);
    const expected = 2 * price("cof-001") + price("brw-001");
    const rows = await placedOrders(s.userId);
    expect(rows).toEqual([{ id: res.body.order.id, payment_id: res.body.payment.id, total_cents: expected }]);
    const { rows: lines } = await db.query(
      "SELECT product_id, quantity FROM order_items WHERE order_id = $1 ORDER BY product_id",
      [res.body.order.id],
    );
    expect(lines).toEqual([
      { product_id: "brw-001", quantity: 1 },
      { product_id: "cof-001", quantity: 2 },
    ]);
    expect(await cartInRedis(s.sid)).toEqual({});
    const charges = await chargesFor(res.body.payment.orderRef);
    expect(charges).toEqual([expect.objectContaining({ status: "captured", amountCents: expected })]);
  });

  it("keeps the cart and writes no order when the card is declined", async () => {
    const s = await shopper();
    await s.call("/api/cart/items", "POST", { productId: "tea-002", quantity: 3 });
    const res = await s.call(
      "/api/checkout",
      "POST",
      { card: card(TEST_CARDS.declined) },
      { "idempotency-key": "e2e-declined-1" },
    );
    expect(res.status).toBe(402);
    expect(res.body.error).toBe("card_declined");
    expect(await placedOrders(s.userId)).toEqual([]);
    expect(await cartInRedis(s.sid)).toEqual({ "tea-002": "3" });
  });

  it("voids the payment when orders fails after the charge", async () => {
    const ordersPort = await freePort();
    const failingOrders = await shop.extra("orders", ordersPort, {
      FAULT_ERROR_RATE: "1",
      FAULT_METHODS: "POST",
      FAULT_PATHS: "/orders",
      FAULT_SEED: "1",
    });
    const checkout = await shop.extra("checkout", await freePort(), { ORDERS_URL: failingOrders });
    const s = await shopper();
    await s.call("/api/cart/items", "POST", { productId: "cup-002", quantity: 1 });
    const res = await fetch(`${checkout}/checkout`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-session-id": s.sid,
        "idempotency-key": "e2e-orders-down",
      },
      body: JSON.stringify({ userId: s.userId, card: card() }),
    });
    const body = (await res.json()) as { error: string; message: string };
    expect(res.status).toBe(409);
    expect(body.error).toBe("checkout_voided");
    const paymentId = body.message.match(/pay_[0-9a-f-]{36}/)?.[0];
    const payment = (await (await fetch(`${shop.urls.payments}/payments/${paymentId}`)).json()) as {
      status: string;
    };
    expect(payment.status).toBe("voided");
    expect(await placedOrders(s.userId)).toEqual([]);
    expect(await cartInRedis(s.sid)).toEqual({ "cup-002": "1" });
    expect(await metric(failingOrders, /^meshpilot_injected_faults_total\{.*kind="error"/)).toBeGreaterThan(
      0,
    );
  });

  it("turns a retried checkout with the same Idempotency-Key into one order and one charge", async () => {
    const s = await shopper();
    await s.call("/api/cart/items", "POST", { productId: "bok-001", quantity: 1 });
    const pay = () =>
      s.call("/api/checkout", "POST", { card: card() }, { "idempotency-key": "e2e-retried-1" });
    const first = await pay();
    const retries = await Promise.all([pay(), pay(), pay()]);
    expect([first, ...retries].map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set([first, ...retries].map((r) => r.body.order.id)).size).toBe(1);
    expect(await placedOrders(s.userId)).toHaveLength(1);
    expect(await chargesFor(first.body.payment.orderRef)).toHaveLength(1);
  });

  it("holds the caller's timeout and bounded retries against a slow replica", async () => {
    const slowCatalog = await shop.extra("catalog", await freePort(), {
      FAULT_LATENCY_MS: "3000",
      FAULT_SEED: "1",
    });
    const recommendation = await shop.extra("recommendation", await freePort(), {
      CATALOG_URL: slowCatalog,
      UPSTREAM_TIMEOUT_MS: "100",
      UPSTREAM_RETRIES: "2",
    });
    const res = await fetch(`${recommendation}/recommendations?productId=cof-001`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: "upstream_unavailable",
      message: "catalog is unavailable: timed out",
    });
    // One try and two retries reached the slow replica, and no more.
    expect(await metric(slowCatalog, /^meshpilot_injected_faults_total\{.*kind="latency"/)).toBe(3);
    // The same replica behind the frontend: pages still render, without recommendations.
    const frontend = await shop.extra("frontend", await freePort(), {
      RECOMMENDATION_URL: recommendation,
      UPSTREAM_TIMEOUT_MS: "500",
      UPSTREAM_RETRIES: "0",
    });
    const page = await fetch(`${frontend}/products/cof-001`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain("You may also like");
  });

  it("takes a short load run and reports it per step", async () => {
    const productIds = PRODUCTS.map((p) => p.id);
    const result = await runLoad({
      target: shop.urls.frontend,
      mode: "closed",
      vus: 8,
      rate: 1,
      maxVus: 1000,
      durationMs: 3000,
      thinkMs: 20,
      timeoutMs: 10_000,
      mix: DEFAULT_MIX,
      seed: 1,
      productIds,
    });
    const report = JSON.parse(JSON.stringify(summarize(result)));
    expect(report.total.requests).toBeGreaterThan(0);
    expect(report.total.errors).toBe(0);
    expect(Object.keys(report.steps)).toEqual([
      "browse",
      "view_product",
      "add_to_cart",
      "view_cart",
      "checkout",
    ]);
    for (const step of [...Object.values(report.steps), report.total] as any[]) {
      if (step.requests === 0) continue;
      const l = step.latencyMs;
      expect(l.p50).toBeGreaterThan(0);
      expect([l.p50, l.p95, l.p99, l.p999, l.max]).toEqual(
        [...[l.p50, l.p95, l.p99, l.p999, l.max]].sort((a, b) => a - b),
      );
      expect(Object.keys(step.statuses).every((code) => /^[23]\d\d$/.test(code))).toBe(true);
    }
    expect(report.steps.browse.requests).toBe(report.visits.started);
    const printed = table(report);
    for (const name of [
      "browse",
      "view_product",
      "add_to_cart",
      "view_cart",
      "checkout",
      "total",
      "p99.9 ms",
    ])
      expect(printed).toContain(name);
  });

  it("serves /metrics on its own port, never on the traffic port the ingress routes to", async () => {
    for (const url of Object.values(shop.urls)) {
      expect((await fetch(`${url}/metrics`)).status).toBe(404);
      const text = await (await fetch(`${shop.metricsUrl(url)}/metrics`)).text();
      expect(text).toContain("http_server_request_duration_seconds_bucket");
    }
  });
});
