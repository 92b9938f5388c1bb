import { jest } from "@jest/globals";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { loadSettings } from "../../common/settings.js";
import { migrate } from "../lib/migrations.js";
import { type RunningPostgres, startPostgres } from "../local/stores.js";
import { buildOrders, ORDERS_SETTINGS } from "./app.js";
import { MIGRATIONS } from "./migrations.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

// A real PostgreSQL cluster on loopback (Debian's postgresql package, installed by .ci/run).
let db: RunningPostgres;
let app: FastifyInstance;

function settingsFor(store: RunningPostgres, extra: Record<string, string> = {}) {
  return loadSettings(ORDERS_SETTINGS, {
    LOG_LEVEL: "silent",
    DATABASE_PORT: String(store.port),
    DATABASE_PASSWORD: store.password,
    ...extra,
  });
}

/** Polls /readyz until its reason matches; the schema is prepared in the background. */
async function readiness(orders: FastifyInstance, reason: RegExp) {
  for (;;) {
    const res = await orders.inject({ url: "/readyz" });
    if (reason.test(res.json().reason ?? "")) return res;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  db = await startPostgres();
  app = buildOrders(settingsFor(db)).app;
  await app.ready();
  await readiness(app, /^$/);
});
afterAll(async () => {
  await app.close();
  await db.stop();
});

const order = (over: Record<string, unknown> = {}) => ({
  userId: "user-1",
  paymentId: "pay_1",
  currency: "EUR",
  items: [
    { productId: "mug-001", quantity: 2, unitPriceCents: 1200 },
    { productId: "tea-002", quantity: 1, unitPriceCents: 850 },
  ],
  ...over,
});
const create = (payload: unknown, key?: string) =>
  app.inject({
    method: "POST",
    url: "/orders",
    payload: payload as object,
    headers: key ? { "idempotency-key": key } : {},
  });

describe("orders", () => {
  it("persists an order with its lines and total, and finds it by id, by user and by key", async () => {
    const res = await create(order({ userId: "user-find" }), "find-key-0001");
    expect(res.statusCode).toBe(201);
    const placed = res.json();
    expect(placed).toEqual(
      expect.objectContaining({ userId: "user-find", status: "placed", totalCents: 3250, currency: "EUR" }),
    );
    expect((await app.inject({ url: `/orders/${placed.id}` })).json()).toEqual(placed);
    const second = (await create(order({ userId: "user-find", paymentId: "pay_2" }), "find-key-0002")).json();
    const listed = (await app.inject({ url: "/orders?userId=user-find" })).json().items;
    expect(listed.map((o: { id: string }) => o.id).sort()).toEqual([placed.id, second.id].sort());
    expect(listed[0].createdAt >= listed[1].createdAt).toBe(true);
    expect((await app.inject({ url: "/orders?idempotencyKey=find-key-0001" })).json().items).toEqual([
      placed,
    ]);
  });

  it("answers a retry with the same key with the same order, even when the retries race", async () => {
    const tries = await Promise.all(
      Array.from({ length: 8 }, () => create(order({ userId: "user-race" }), "race-key-01")),
    );
    expect(new Set(tries.map((t) => t.json().id)).size).toBe(1);
    expect(tries.every((t) => t.statusCode === 201)).toBe(true);
    expect(tries.filter((t) => t.headers["idempotent-replayed"] === "true")).toHaveLength(7);
    expect((await app.inject({ url: "/orders?userId=user-race" })).json().items).toHaveLength(1);
    const other = await create(order({ userId: "user-race", paymentId: "pay_other" }), "race-key-01");
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe("idempotency_key_reused");
  });

  it("abandons a key: a placed order stays placed, and a create arriving after the tombstone never lands", async () => {
    const placed = (await create(order({ userId: "user-cancel" }), "cancel-key-1")).json();
    const kept = await app.inject({
      method: "POST",
      url: "/orders/abandon",
      payload: { idempotencyKey: "cancel-key-1" },
    });
    // A sibling's success is never undone: the order placed under the key stays placed.
    expect(kept.json()).toEqual({
      abandoned: false,
      order: expect.objectContaining({ id: placed.id, status: "placed" }),
    });

    const early = await app.inject({
      method: "POST",
      url: "/orders/abandon",
      payload: { idempotencyKey: "cancel-key-2" },
    });
    expect(early.json()).toEqual({ abandoned: true, order: null });
    const late = await create(order({ userId: "user-cancel" }), "cancel-key-2");
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toBe("order_cancelled");
    const again = await app.inject({
      method: "POST",
      url: "/orders/abandon",
      payload: { idempotencyKey: "cancel-key-2" },
    });
    expect(again.json()).toEqual({ abandoned: true, order: null });
    expect((await app.inject({ url: "/orders?userId=user-cancel" })).json().items).toHaveLength(1);
  });

  it.each([
    ["no Idempotency-Key", order(), undefined, 400, "missing_idempotency_key"],
    [
      "a zero quantity",
      order({ items: [{ productId: "mug-001", quantity: 0, unitPriceCents: 1 }] }),
      "bad-key-01",
      400,
      "invalid_request",
    ],
    [
      "a negative quantity",
      order({ items: [{ productId: "mug-001", quantity: -2, unitPriceCents: 1 }] }),
      "bad-key-02",
      400,
      "invalid_request",
    ],
    [
      "a huge quantity",
      order({ items: [{ productId: "mug-001", quantity: 10_000, unitPriceCents: 1 }] }),
      "bad-key-03",
      400,
      "invalid_request",
    ],
    ["no lines", order({ items: [] }), "bad-key-04", 400, "invalid_request"],
    [
      "a malformed product id",
      order({ items: [{ productId: "DROP TABLE", quantity: 1, unitPriceCents: 1 }] }),
      "bad-key-05",
      400,
      "invalid_request",
    ],
    ["an unknown field", order({ discount: 100 }), "bad-key-06", 400, "invalid_request"],
    [
      "a product twice",
      order({
        items: [
          { productId: "mug-001", quantity: 1, unitPriceCents: 1 },
          { productId: "mug-001", quantity: 1, unitPriceCents: 1 },
        ],
      }),
      "bad-key-07",
      400,
      "duplicate_product",
    ],
    [
      "a quantity sent as a string",
      order({ items: [{ productId: "mug-001", quantity: "1e309", unitPriceCents: 1 }] }),
      "bad-key-08",
      400,
      "invalid_request",
    ],
    [
      "a total past the store's integer range",
      order({
        items: Array.from({ length: 3 }, (_, i) => ({
          productId: `mug-00${i}`,
          quantity: 99,
          unitPriceCents: 10_000_000,
        })),
      }),
      "bad-key-09",
      400,
      "order_too_large",
    ],
    ["a NUL in the payment id", order({ paymentId: "pay_\u0000x" }), "bad-key-12", 400, "invalid_request"],
  ])("refuses %s with a JSON 4xx and writes nothing", async (_what, payload, key, status, error) => {
    const res = await create(payload, key);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(error);
    expect(res.json().message.length).toBeGreaterThan(5);
    if (key) expect((await app.inject({ url: `/orders?idempotencyKey=${key}` })).json().items).toEqual([]);
  });

  it("answers malformed requests and unknown orders with a JSON 4xx", async () => {
    const malformed = await app.inject({
      method: "POST",
      url: "/orders",
      headers: { "content-type": "application/json", "idempotency-key": "bad-key-10" },
      payload: "{not json",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe("malformed_json");
    const huge = await app.inject({
      method: "POST",
      url: "/orders",
      headers: { "content-type": "application/json", "idempotency-key": "bad-key-11" },
      payload: JSON.stringify(order({ note: "x".repeat(200_000) })),
    });
    expect(huge.statusCode).toBe(413);
    expect((await app.inject({ url: "/orders/not-a-uuid" })).statusCode).toBe(400);
    const unknown = await app.inject({ url: "/orders/6f1c2b9e-8a51-4f4e-9a55-3f2f0d7f1a11" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe("unknown_order");
    expect((await app.inject({ url: "/orders" })).json().error).toBe("invalid_request");
    for (const limit of ["1e309", "-Infinity", "NaN", "1000"]) {
      const res = await app.inject({ url: `/orders?userId=user-1&limit=${limit}` });
      expect([res.statusCode, res.json().error]).toEqual([400, "invalid_request"]);
    }
  });

  it("takes a burst of concurrent orders without running out of connections", async () => {
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        create(order({ userId: "user-burst" }), `burst-key-${String(i).padStart(3, "0")}`),
      ),
    );
    expect(burst.map((r) => r.statusCode)).toEqual(burst.map(() => 201));
    expect((await app.inject({ url: "/orders?userId=user-burst&limit=100" })).json().items).toHaveLength(40);
  });
});

describe("orders migrations", () => {
  it("apply once, even from two pools at the same time, and refuse an edited or unknown migration", async () => {
    const fresh = await startPostgres({ database: "fresh" });
    const pools = [0, 1].map(() => {
      const pool = new pg.Pool({
        host: fresh.host,
        port: fresh.port,
        user: fresh.user,
        password: fresh.password,
        database: "fresh",
      });
      // The server's shutdown at the end of the test may reach a connection still closing.
      pool.on("error", () => {});
      return pool;
    });
    try {
      const [a, b] = await Promise.all(pools.map((p) => migrate(p, MIGRATIONS)));
      expect([...a, ...b].sort()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(pools[0], MIGRATIONS)).toEqual([]);
      const edited = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql} -- edited` } : m));
      await expect(migrate(pools[0], edited)).rejects.toThrow(
        /migration 2 .* changed after it was applied; add a new migration/,
      );
      await expect(migrate(pools[0], MIGRATIONS.slice(0, 1))).rejects.toThrow(
        /has migration 2 that this build does not know/,
      );
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await fresh.stop();
    }
  });

  it("without MIGRATE_ON_START, waits for the migration Job and says so", async () => {
    const empty = await startPostgres({ database: "empty" });
    const waiting = buildOrders(
      settingsFor(empty, { DATABASE_NAME: "empty", MIGRATE_ON_START: "false" }),
    ).app;
    try {
      await waiting.ready();
      const res = await readiness(waiting, /schema_migrations|migration Job/);
      expect(res.statusCode).toBe(503);
      const write = await waiting.inject({
        method: "POST",
        url: "/orders",
        payload: order(),
        headers: { "idempotency-key": "wait-key-01" },
      });
      expect(write.statusCode).toBe(503);
      expect(write.json().error).toBe("store_unavailable");
    } finally {
      await waiting.close();
      await empty.stop();
    }
  });

  it("reports PostgreSQL going away as 503, not as a bug", async () => {
    const doomed = await startPostgres({ database: "doomed" });
    const orders = buildOrders(settingsFor(doomed, { DATABASE_NAME: "doomed" })).app;
    try {
      await orders.ready();
      await readiness(orders, /^$/);
      await doomed.stop();
      const res = await orders.inject({ url: "/orders?userId=user-1" });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe("store_unavailable");
      expect((await orders.inject({ url: "/readyz" })).statusCode).toBe(503);
    } finally {
      await orders.close();
    }
  });
});
