import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { MAX_QUANTITY, PRODUCT_ID, QUANTITY } from "../lib/schemas.js";
import { createService, fromStore, HttpError, type Service } from "../lib/server.js";
import { sessionId } from "../lib/session.js";
import { CartStore } from "./store.js";

export const CART_SETTINGS = {
  ...COMMON_SETTINGS,
  PORT: setting.port(servicePort("cart")),
  REDIS_HOST: setting.text("127.0.0.1"),
  REDIS_PORT: setting.port(6379),
  REDIS_PASSWORD: setting.optional(setting.text()),
  CART_TTL_SECONDS: setting.integer(7 * 24 * 3600, 60, 90 * 24 * 3600),
};
export type CartSettings = ReturnType<typeof loadSettings<typeof CART_SETTINGS>>;

/** The most distinct products a cart may hold. */
export const MAX_LINES = 50;

const LIMIT_MESSAGES = {
  quantity_limit: `a cart holds at most ${MAX_QUANTITY} of one product`,
  line_limit: `a cart holds at most ${MAX_LINES} different products`,
};

/**
 * Cart: one Redis-backed cart per session, which expires after CART_TTL_SECONDS without a change.
 * Sessions come in the x-session-id header. The cart does not know prices: checkout prices it.
 */
export function buildCart(settings: CartSettings): Service {
  const store = new CartStore(
    settings,
    { maxQuantity: MAX_QUANTITY, maxLines: MAX_LINES, ttlSeconds: settings.CART_TTL_SECONDS },
    (e) => service.app.log.error({ err: e }, "redis connection failed"),
  );
  const service = createService({ name: "cart", settings, readiness: () => store.ping() });
  const { app } = service;
  app.addHook("onReady", async () => store.connect());
  app.addHook("onClose", () => store.close());

  const view = async (id: string) => ({ sessionId: id, ...(await fromStore("redis", () => store.view(id))) });
  const change = async (id: string, productId: string, quantity: number, mode: "add" | "set") => {
    const result = await fromStore("redis", () => store.change(id, productId, quantity, mode));
    if (result === "not_in_cart")
      throw new HttpError(404, "not_in_cart", `product '${productId}' is not in the cart; add it first`);
    if (typeof result === "string") throw new HttpError(422, result, LIMIT_MESSAGES[result]);
  };

  app.get("/cart", async (request) => view(sessionId(request.headers)));

  app.post(
    "/cart/items",
    {
      schema: {
        body: {
          type: "object",
          required: ["productId", "quantity"],
          additionalProperties: false,
          properties: { productId: PRODUCT_ID, quantity: QUANTITY },
        },
      },
    },
    async (request) => {
      const id = sessionId(request.headers);
      const { productId, quantity } = request.body as { productId: string; quantity: number };
      await change(id, productId, quantity, "add");
      return view(id);
    },
  );

  const lineParams = {
    type: "object",
    required: ["productId"],
    properties: { productId: PRODUCT_ID },
  } as const;

  app.put(
    "/cart/items/:productId",
    {
      schema: {
        params: lineParams,
        body: {
          type: "object",
          required: ["quantity"],
          additionalProperties: false,
          properties: { quantity: QUANTITY },
        },
      },
    },
    async (request) => {
      const id = sessionId(request.headers);
      const { productId } = request.params as { productId: string };
      await change(id, productId, (request.body as { quantity: number }).quantity, "set");
      return view(id);
    },
  );

  app.delete("/cart/items/:productId", { schema: { params: lineParams } }, async (request) => {
    const id = sessionId(request.headers);
    const { productId } = request.params as { productId: string };
    if (!(await fromStore("redis", () => store.remove(id, productId))))
      throw new HttpError(404, "not_in_cart", `product '${productId}' is not in the cart`);
    return view(id);
  });

  app.delete("/cart", async (request, reply) => {
    const id = sessionId(request.headers);
    await fromStore("redis", () => store.clear(id));
    return reply.code(204).send();
  });
  return service;
}
