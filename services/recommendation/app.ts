import {
  COMMON_SETTINGS,
  calleeUrl,
  type loadSettings,
  setting,
  UPSTREAM_SETTINGS,
} from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import type { Product } from "../catalog/products.js";
import { clientFor } from "../lib/client.js";
import { PRODUCT_ID } from "../lib/schemas.js";
import { createService, HttpError, propagatedHeaders, type Service } from "../lib/server.js";
import { recommend } from "./related.js";

export const RECOMMENDATION_SETTINGS = {
  ...COMMON_SETTINGS,
  ...UPSTREAM_SETTINGS,
  PORT: setting.port(servicePort("recommendation")),
  CATALOG_URL: calleeUrl("catalog"),
};
export type RecommendationSettings = ReturnType<typeof loadSettings<typeof RECOMMENDATION_SETTINGS>>;

/**
 * Recommendation: products related to a product (or, without one, to the cart's products),
 * excluding what is already in the cart. Reads the catalog on every request, so it never serves
 * a product the catalog no longer has.
 */
export function buildRecommendation(settings: RecommendationSettings): Service {
  const service = createService({ name: "recommendation", settings });
  const { app } = service;
  const catalog = clientFor("catalog", settings.CATALOG_URL, settings);

  app.get(
    "/recommendations",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            productId: PRODUCT_ID,
            // The cart's products, comma-separated: they are seeds when no productId is given.
            exclude: { type: "string", pattern: "^([a-z]{3}-\\d{3})(,[a-z]{3}-\\d{3}){0,49}$" },
            limit: { type: "integer", minimum: 1, maximum: 20, default: 4 },
          },
        },
      },
    },
    async (request) => {
      const { productId, exclude, limit } = request.query as {
        productId?: string;
        exclude?: string;
        limit: number;
      };
      const excluded = new Set(exclude ? exclude.split(",") : []);
      const res = await catalog.call<{ items: Product[] }>("/products?limit=100", {
        headers: propagatedHeaders(request),
      });
      if (res.status !== 200)
        throw new HttpError(502, "upstream_unavailable", `catalog answered ${res.status}`);
      const products = res.body.items;
      const byId = new Map(products.map((p) => [p.id, p]));
      let seeds: Product[];
      if (productId) {
        const product = byId.get(productId);
        if (!product) throw new HttpError(404, "unknown_product", `no product '${productId}'`);
        seeds = [product];
      } else {
        seeds = [...excluded].flatMap((id) => byId.get(id) ?? []);
      }
      return { items: recommend(products, seeds, excluded, limit) };
    },
  );
  return service;
}
