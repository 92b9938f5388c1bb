import { createHash } from "node:crypto";
import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { DATABASE_SETTINGS, prepareDatabase } from "../lib/database.js";
import { IDEMPOTENCY_KEY, idempotencyKey, KEY_TO_CLOSE } from "../lib/idempotency.js";
import { MAX_TOTAL_CENTS, PAYMENT_ID, PRODUCT_ID, QUANTITY, USER_ID } from "../lib/schemas.js";
import { createService, HttpError, type Service } from "../lib/server.js";
import { MIGRATIONS } from "./migrations.js";
import { type NewOrder, OrderStore } from "./store.js";

export const ORDERS_SETTINGS = {
  ...COMMON_SETTINGS,
  ...DATABASE_SETTINGS,
  PORT: setting.port(servicePort("orders")),
};
export type OrdersSettings = ReturnType<typeof loadSettings<typeof ORDERS_SETTINGS>>;

/**
 * Orders: PostgreSQL-backed, idempotent creation on Idempotency-Key, abandonment of a key (used by
 * checkout when it voids a charge), lookup by id, and a user's orders newest first.
 *
 * The service starts without waiting for the database: it applies migrations in the background
 * (retrying while PostgreSQL is away) and reports not ready, with the reason, until they are in.
 */
export function buildOrders(settings: OrdersSettings): Service {
  const db = prepareDatabase(settings, { application: "orders", migrations: MIGRATIONS }, (e) =>
    service.app.log.warn({ err: e }, "idle database connection failed"),
  );
  const store = new OrderStore(db.pool);
  const service = createService({ name: "orders", settings, readiness: db.readiness });
  const { app } = service;
  app.addHook("onReady", async () => db.start(app.log));
  app.addHook("onClose", async () => db.close());
  const database = db.run;

  app.post(
    "/orders",
    {
      schema: {
        body: {
          type: "object",
          required: ["userId", "paymentId", "currency", "items"],
          additionalProperties: false,
          properties: {
            userId: USER_ID,
            paymentId: PAYMENT_ID,
            currency: { type: "string", enum: ["EUR"] },
            items: {
              type: "array",
              minItems: 1,
              maxItems: 50,
              items: {
                type: "object",
                required: ["productId", "quantity", "unitPriceCents"],
                additionalProperties: false,
                properties: {
                  productId: PRODUCT_ID,
                  quantity: QUANTITY,
                  unitPriceCents: { type: "integer", minimum: 0, maximum: 10_000_000 },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const key = idempotencyKey(request.headers);
      const body = request.body as NewOrder;
      const products = body.items.map((l) => l.productId);
      if (new Set(products).size !== products.length)
        throw new HttpError(400, "duplicate_product", "each product may appear in one line only");
      const total = body.items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
      if (total > MAX_TOTAL_CENTS)
        throw new HttpError(400, "order_too_large", `the order's total exceeds ${MAX_TOTAL_CENTS} cents`);
      const fingerprint = createHash("sha256").update(JSON.stringify(body)).digest("hex");
      const result = await database(() => store.create(key, fingerprint, body));
      if (result.kind === "key_reused")
        throw new HttpError(
          409,
          "idempotency_key_reused",
          "this Idempotency-Key was used for a different order",
        );
      if (result.kind === "cancelled")
        throw new HttpError(409, "order_cancelled", "the order under this Idempotency-Key was cancelled");
      if (result.kind === "replayed") reply.header("idempotent-replayed", "true");
      else request.log.info({ order: result.order.id, totalCents: result.order.totalCents }, "order placed");
      return reply.code(201).send(result.order);
    },
  );

  app.post(
    "/orders/abandon",
    {
      schema: { body: KEY_TO_CLOSE },
    },
    async (request) => {
      const { idempotencyKey: key } = request.body as { idempotencyKey: string };
      const { abandoned, order } = await database(() => store.abandonKey(key));
      request.log.info({ order: order?.id, key, abandoned }, "order key abandoned");
      return { abandoned, order: order ?? null };
    },
  );

  app.get(
    "/orders/:id",
    {
      schema: {
        params: { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const order = await database(() => store.get(id));
      if (!order) throw new HttpError(404, "unknown_order", `no order '${id}'`);
      return order;
    },
  );

  app.get(
    "/orders",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            userId: USER_ID,
            idempotencyKey: IDEMPOTENCY_KEY,
            limit: { type: "integer", minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => {
      const {
        userId,
        idempotencyKey: key,
        limit,
      } = request.query as {
        userId?: string;
        idempotencyKey?: string;
        limit: number;
      };
      if ((userId === undefined) === (key === undefined))
        throw new HttpError(400, "invalid_request", "filter by exactly one of userId or idempotencyKey");
      if (key !== undefined) {
        const order = await database(() => store.byKey(key));
        return { items: order ? [order] : [] };
      }
      return { items: await database(() => store.listByUser(userId as string, limit)) };
    },
  );
  return service;
}
