import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { PRODUCT_ID } from "../lib/schemas.js";
import { createService, HttpError, type Service } from "../lib/server.js";
import { PRODUCTS, type Product } from "./products.js";

export const CATALOG_SETTINGS = { ...COMMON_SETTINGS, PORT: setting.port(servicePort("catalog")) };
export type CatalogSettings = ReturnType<typeof loadSettings<typeof CATALOG_SETTINGS>>;

const CATEGORIES = [...new Set(PRODUCTS.map((p) => p.category))].sort();
const byId = new Map(PRODUCTS.map((p) => [p.id, p]));

/** Products matching a search: every word must appear in the name, description or tags. */
export function search(products: readonly Product[], query: string): Product[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return products.filter((p) => {
    const text = `${p.name} ${p.description} ${p.tags.join(" ")}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

export function buildCatalog(settings: CatalogSettings): Service {
  const service = createService({ name: "catalog", settings });
  const { app } = service;

  app.get(
    "/products",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            category: { type: "string", enum: CATEGORIES },
            q: { type: "string", minLength: 1, maxLength: 100 },
            limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
            offset: { type: "integer", minimum: 0, default: 0 },
          },
        },
      },
    },
    async (request) => {
      const { category, q, limit, offset } = request.query as {
        category?: string;
        q?: string;
        limit: number;
        offset: number;
      };
      let items: readonly Product[] = PRODUCTS;
      if (category) items = items.filter((p) => p.category === category);
      if (q) items = search(items, q);
      return { total: items.length, items: items.slice(offset, offset + limit) };
    },
  );

  app.get(
    "/products/:id",
    {
      schema: {
        params: {
          type: "object",
          required: ["id"],
          properties: { id: PRODUCT_ID },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const product = byId.get(id);
      if (!product) throw new HttpError(404, "unknown_product", `no product '${id}'`);
      return product;
    },
  );

  app.get("/categories", async () => ({
    categories: CATEGORIES.map((c) => ({
      name: c,
      products: PRODUCTS.filter((p) => p.category === c).length,
    })),
  }));

  // Checkout prices carts here, so a client can never set its own prices.
  app.post(
    "/prices",
    {
      schema: {
        body: {
          type: "object",
          required: ["ids"],
          additionalProperties: false,
          properties: {
            ids: {
              type: "array",
              minItems: 1,
              maxItems: 100,
              uniqueItems: true,
              items: { type: "string", maxLength: 20 },
            },
          },
        },
      },
    },
    async (request) => {
      const { ids } = request.body as { ids: string[] };
      const unknown = ids.filter((id) => !byId.has(id));
      if (unknown.length > 0)
        throw new HttpError(404, "unknown_product", `no product ${unknown.map((u) => `'${u}'`).join(", ")}`);
      return {
        currency: "EUR",
        prices: Object.fromEntries(ids.map((id) => [id, (byId.get(id) as Product).priceCents])),
      };
    },
  );
  return service;
}
