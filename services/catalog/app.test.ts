import { testSettings } from "../lib/test-settings.js";
import { buildCatalog, search } from "./app.js";
import { PRODUCTS } from "./products.js";

const catalog = buildCatalog({ ...testSettings(), PORT: 8081 });
const get = (url: string) => catalog.app.inject({ url });

describe("catalog", () => {
  it("bundles a few dozen products across categories, with unique ids", () => {
    expect(PRODUCTS.length).toBeGreaterThanOrEqual(24);
    expect(new Set(PRODUCTS.map((p) => p.id)).size).toBe(PRODUCTS.length);
  });

  it("lists, pages and filters by category", async () => {
    const all = (await get("/products?limit=100")).json();
    expect(all.total).toBe(PRODUCTS.length);
    const page = (await get("/products?limit=5&offset=5")).json();
    expect(page.items.map((p: { id: string }) => p.id)).toEqual(PRODUCTS.slice(5, 10).map((p) => p.id));
    const tea = (await get("/products?category=tea")).json();
    expect(tea.items.every((p: { category: string }) => p.category === "tea")).toBe(true);
    expect((await get("/categories")).json().categories).toContainEqual({ name: "coffee", products: 8 });
  });

  it("searches names, descriptions and tags, every word", async () => {
    expect(search(PRODUCTS, "dark espresso").map((p) => p.id)).toEqual(["cof-002"]);
    expect((await get("/products?q=caffeine-free")).json().total).toBe(2);
  });

  it("gets one product, and prices a basket from its own data", async () => {
    expect((await get("/products/cof-001")).json().name).toBe("Highland Sunrise");
    const prices = await catalog.app.inject({
      method: "POST",
      url: "/prices",
      payload: { ids: ["cof-001", "tea-002"] },
    });
    expect(prices.json()).toEqual({ currency: "EUR", prices: { "cof-001": 1450, "tea-002": 790 } });
  });

  it.each([
    ["/products/cof-999", 404, "unknown_product"],
    ["/products/not-an-id", 400, "invalid_request"],
    ["/products?category=shoes", 400, "invalid_request"],
    ["/products?limit=0", 400, "invalid_request"],
    ["/products?sort=price", 400, "invalid_request"],
  ])("GET %s is a %i %s", async (url, status, error) => {
    const res = await get(url);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(error);
  });

  it("rejects pricing an unknown product, naming it", async () => {
    const res = await catalog.app.inject({
      method: "POST",
      url: "/prices",
      payload: { ids: ["cof-001", "zzz-404"] },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: "unknown_product", message: "no product 'zzz-404'" });
  });
});
