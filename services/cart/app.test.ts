import { jest } from "@jest/globals";
import type { FastifyInstance } from "fastify";
import { loadSettings } from "../../common/settings.js";
import { MAX_QUANTITY } from "../lib/schemas.js";
import { SESSION_HEADER } from "../lib/session.js";
import { type RunningStore, startRedis } from "../local/stores.js";
import { buildCart, CART_SETTINGS, MAX_LINES } from "./app.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

// A real redis-server on loopback (Debian's redis-server package, installed by .ci/run).
let redis: RunningStore & { password: string };
let app: FastifyInstance;
let sessions = 0;

beforeAll(async () => {
  redis = await startRedis();
  app = buildCart(
    loadSettings(CART_SETTINGS, {
      LOG_LEVEL: "silent",
      REDIS_PORT: String(redis.port),
      REDIS_PASSWORD: redis.password,
      CART_TTL_SECONDS: "3600",
    }),
  ).app;
  await app.ready();
  await waitForReadiness(app, /^$/);
});
afterAll(async () => {
  await app.close();
  await redis.stop();
});

/** Polls /readyz until its reason matches: the client reports the server's answer asynchronously. */
async function waitForReadiness(cart: FastifyInstance, reason: RegExp) {
  for (;;) {
    const res = await cart.inject({ url: "/readyz" });
    if (reason.test(res.json().reason ?? "")) return res;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fresh session per test, so tests share the server but not a cart. */
function session() {
  const id = `test-session-${String(++sessions).padStart(6, "0")}`;
  const headers = { [SESSION_HEADER]: id };
  return {
    id,
    add: (productId: string, quantity: number) =>
      app.inject({ method: "POST", url: "/cart/items", headers, payload: { productId, quantity } }),
    set: (productId: string, quantity: number) =>
      app.inject({ method: "PUT", url: `/cart/items/${productId}`, headers, payload: { quantity } }),
    remove: (productId: string) => app.inject({ method: "DELETE", url: `/cart/items/${productId}`, headers }),
    clear: () => app.inject({ method: "DELETE", url: "/cart", headers }),
    view: () => app.inject({ url: "/cart", headers }),
  };
}

describe("cart", () => {
  it("adds, accumulates, updates, removes and clears lines, sorted by product", async () => {
    const s = session();
    await s.add("tea-002", 1);
    await s.add("mug-001", 2);
    const added = await s.add("tea-002", 3);
    expect(added.statusCode).toBe(200);
    expect(added.json().items).toEqual([
      { productId: "mug-001", quantity: 2 },
      { productId: "tea-002", quantity: 4 },
    ]);
    expect((await s.set("mug-001", 7)).json().items[0]).toEqual({ productId: "mug-001", quantity: 7 });
    expect((await s.remove("tea-002")).json().items).toEqual([{ productId: "mug-001", quantity: 7 }]);
    expect((await s.clear()).statusCode).toBe(204);
    expect((await s.view()).json()).toEqual({ sessionId: s.id, items: [], expiresInSeconds: null });
  });

  it("gives a cart the configured TTL", async () => {
    const s = session();
    await s.add("mug-001", 1);
    const ttl = (await s.view()).json().expiresInSeconds;
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it("keeps every concurrent add: the change is atomic in Redis", async () => {
    const s = session();
    await Promise.all(Array.from({ length: 40 }, () => s.add("mug-001", 1)));
    expect((await s.view()).json().items).toEqual([{ productId: "mug-001", quantity: 40 }]);
  });

  it("refuses going over the quantity and line caps with a 422, writing nothing", async () => {
    const s = session();
    await s.add("mug-001", MAX_QUANTITY - 1);
    const over = await s.add("mug-001", 2);
    expect(over.statusCode).toBe(422);
    expect(over.json()).toEqual({
      error: "quantity_limit",
      message: `a cart holds at most ${MAX_QUANTITY} of one product`,
    });
    expect((await s.view()).json().items).toEqual([{ productId: "mug-001", quantity: MAX_QUANTITY - 1 }]);

    const full = session();
    for (let i = 0; i < MAX_LINES; i++) await full.add(`abc-${String(i).padStart(3, "0")}`, 1);
    const extra = await full.add("zzz-999", 1);
    expect(extra.statusCode).toBe(422);
    expect(extra.json().error).toBe("line_limit");
    expect((await full.view()).json().items).toHaveLength(MAX_LINES);
  });

  it.each([
    ["zero", 0, "body/quantity must be >= 1"],
    ["negative", -3, "body/quantity must be >= 1"],
    ["huge", 1_000_000, `body/quantity must be <= ${MAX_QUANTITY}`],
    ["fractional", 1.5, "body/quantity must be integer"],
  ])("answers a %s quantity with a 400 that says why", async (_name, quantity, message) => {
    const s = session();
    const res = await s.add("mug-001", quantity);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: "invalid_request", message });
    expect((await s.set("mug-001", quantity)).statusCode).toBe(400);
    expect((await s.view()).json().items).toEqual([]);
  });

  it("answers bad requests with a JSON 4xx", async () => {
    const s = session();
    const noSession = await app.inject({ url: "/cart" });
    expect(noSession.statusCode).toBe(400);
    expect(noSession.json().error).toBe("missing_session");
    const shortSession = await app.inject({ url: "/cart", headers: { [SESSION_HEADER]: "abc" } });
    expect(shortSession.json().error).toBe("missing_session");

    const malformed = await app.inject({
      method: "POST",
      url: "/cart/items",
      headers: { [SESSION_HEADER]: s.id, "content-type": "application/json" },
      payload: '{"productId": "mug-001",',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe("malformed_json");

    const oversized = await app.inject({
      method: "POST",
      url: "/cart/items",
      headers: { [SESSION_HEADER]: s.id, "content-type": "application/json" },
      payload: JSON.stringify({ productId: "mug-001", quantity: 1, pad: "x".repeat(100_000) }),
    });
    expect(oversized.statusCode).toBe(413);

    const badId = await s.add("../../etc", 1);
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toContain("productId");
    expect((await s.set("mug-001", 2)).statusCode).toBe(404);
    expect((await s.remove("mug-001")).json().error).toBe("not_in_cart");
    expect((await s.view()).json().items).toEqual([]);
  });

  it("answers 503 with the reason when Redis is away, and readiness says so", async () => {
    const port = redis.port;
    const misconfigured = buildCart(
      loadSettings(CART_SETTINGS, {
        LOG_LEVEL: "silent",
        REDIS_PORT: String(port),
        REDIS_PASSWORD: "wrong-password",
      }),
    ).app;
    // Start-up does not block on a store it cannot use; readiness says why, requests get a 503.
    await misconfigured.ready();
    const notReady = await waitForReadiness(misconfigured, /WRONGPASS/);
    expect(notReady.statusCode).toBe(503);
    expect(
      (await misconfigured.inject({ url: "/cart", headers: { [SESSION_HEADER]: "s".repeat(16) } }))
        .statusCode,
    ).toBe(503);
    await misconfigured.close();

    const s = session();
    await s.add("mug-001", 1);
    const outage = await startRedis();
    const cart = buildCart(
      loadSettings(CART_SETTINGS, {
        LOG_LEVEL: "silent",
        REDIS_PORT: String(outage.port),
        REDIS_PASSWORD: outage.password,
      }),
    ).app;
    await cart.ready();
    await waitForReadiness(cart, /^$/);
    expect((await cart.inject({ url: "/readyz" })).statusCode).toBe(200);
    await outage.stop();
    const res = await cart.inject({ url: "/cart", headers: { [SESSION_HEADER]: s.id } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe("store_unavailable");
    const ready = await cart.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toMatch(/redis/);
    await cart.close();
  });
});
