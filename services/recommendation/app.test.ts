import { jest } from "@jest/globals";
import type { Product } from "../catalog/products.js";
import { PRODUCTS } from "../catalog/products.js";
import { type InProcessShop, startInProcessShop, untilReady } from "../local/in-process.js";
import { recommend, relatedness } from "./related.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

const byId = (id: string) => PRODUCTS.find((p) => p.id === id) as Product;

describe("related products", () => {
  it("scores shared tags above a shared category, and never recommends a seed or an excluded product", () => {
    const seed = byId("cof-002");
    const picks = recommend(PRODUCTS, [seed], new Set(["cof-001"]), 5);
    expect(picks.map((p) => p.id)).not.toContain("cof-002");
    expect(picks.map((p) => p.id)).not.toContain("cof-001");
    const scores = picks.map((p) => relatedness(seed, p));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((s) => s > 0)).toBe(true);
  });

  it("without seeds, offers the cheapest product of each category", () => {
    const picks = recommend(PRODUCTS, [], new Set(), 10);
    const categories = [...new Set(PRODUCTS.map((p) => p.category))].sort();
    expect(picks.map((p) => p.category)).toEqual(categories);
    for (const p of picks)
      expect(p.priceCents).toBe(
        Math.min(...PRODUCTS.filter((q) => q.category === p.category).map((q) => q.priceCents)),
      );
  });
});

describe("recommendation service", () => {
  let shop: InProcessShop;
  beforeAll(async () => {
    shop = await startInProcessShop();
    await untilReady(shop.urls);
  });
  afterAll(async () => shop.stop());
  const get = async (query: string, url = shop.urls.recommendation) => {
    const res = await fetch(`${url}/recommendations?${query}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  it("recommends products related to one product, excluding the cart, from the live catalog", async () => {
    const res = await get("productId=cof-002&exclude=cof-001,brw-001&limit=3");
    expect(res.status).toBe(200);
    const ids = res.body.items.map((p: Product) => p.id);
    expect(ids).toEqual(
      recommend(PRODUCTS, [byId("cof-002")], new Set(["cof-001", "brw-001"]), 3).map((p) => p.id),
    );
  });

  it("uses the cart as seeds when no product is given", async () => {
    const res = await get("exclude=tea-001");
    expect(res.body.items.map((p: Product) => p.id)).not.toContain("tea-001");
    expect(res.body.items.length).toBeGreaterThan(0);
  });

  it("answers bad queries with a JSON 4xx", async () => {
    expect((await get("productId=zzz-999")).body.error).toBe("unknown_product");
    expect((await get("productId=zzz-999")).status).toBe(404);
    expect((await get("exclude=cof-001,,x")).status).toBe(400);
    expect((await get("limit=0")).status).toBe(400);
    expect((await get("limit=1000")).status).toBe(400);
    expect((await get("colour=red")).status).toBe(400);
  });

  it("answers 503 in bounded tries when catalog is too slow, retrying each idempotent read", async () => {
    const slow = await shop.extra("catalog", { FAULT_LATENCY_MS: "2000" });
    let tries = 0;
    slow.service.app.server.on("request", (req: { url?: string }) => {
      if (req.url?.startsWith("/products")) tries++;
    });
    const impatient = await shop.extra("recommendation", {
      CATALOG_URL: slow.url,
      UPSTREAM_TIMEOUT_MS: "50",
      UPSTREAM_RETRIES: "2",
    });
    const res = await get("productId=cof-001", impatient.url);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: "upstream_unavailable", message: "catalog is unavailable: timed out" });
    expect(tries).toBe(3);
  });
});
