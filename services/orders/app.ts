import { createHash } from "node:crypto";
import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { IDEMPOTENCY_KEY, idempotencyKey } from "../lib/idempotency.js";
import { PRODUCT_ID, QUANTITY, USER_ID } from "../lib/schemas.js";
import { createService, fromStore, HttpError, type Service } from "../lib/server.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import { createPool, type NewOrder, OrderStore } from "./store.js";

export const DATABASE_SETTINGS = {
  DATABASE_HOST: setting.text("127.0.0.1"),
  DATABASE_PORT: setting.port(5432),
  DATABASE_NAME: setting.text("orders"),
  DATABASE_USER: setting.text("orders"),
  DATABASE_PASSWORD: setting.optional(setting.text()),
  DATABASE_POOL_SIZE: setting.integer(10, 1, 100),
};

export const ORDERS_SETTINGS = {
  ...COMMON_SETTINGS,
  ...DATABASE_SETTINGS,
  PORT: setting.port(servicePort("orders")),
  /** "false" when a migration Job (services/orders/migrate.ts) applies the schema instead. */
  MIGRATE_ON_START: setting.oneOf(["true", "false"] as const, "true"),
};
export type OrdersSettings = ReturnType<typeof loadSettings<typeof ORDERS_SETTINGS>>;

/**
 * Orders: PostgreSQL-backed, idempotent creation on Idempotency-Key, cancellation by key (used by
 * checkout when it voids a charge), lookup by id, and a user's orders newest first.
 *
 * The service starts without waiting for the database: it applies migrations in the background
 * (retrying while PostgreSQL is away) and reports not ready, with the reason, until they are in.
 */
export function buildOrders(settings: OrdersSettings): Service {
  let schemaReady = false;
  let lastError = "not checked yet";
  let closed = false;
  const pool = createPool(settings, (e) =>
    service.app.log.warn({ err: e }, "idle database connection failed"),
  );
  const store = new OrderStore(pool);
  const service = createService({
    name: "orders",
    settings,
    readiness: async () => {
      if (!schemaReady) throw new Error(`the orders schema is not ready: ${lastError}`);
      await pool.query("SELECT 1");
    },
  });
  const { app } = service;

  const latest = Math.max(...MIGRATIONS.map((m) => m.version));
  const prepare = async () => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        if (settings.MIGRATE_ON_START === "true") {
          const applied = await migrate(pool);
          if (applied.length > 0) app.log.info({ applied }, "applied migrations");
        } else {
          const { rows } = await pool.query<{ v: number | null }>(
            "SELECT max(version) AS v FROM schema_migrations",
          );
          if ((rows[0].v ?? 0) < latest)
            throw new Error(`the migration Job has not applied version ${latest} yet`);
        }
        schemaReady = true;
        return;
      } catch (e) {
        const message = (e as Error).message;
        if (message !== lastError) app.log.error({ err: e }, "orders schema not ready; retrying");
        lastError = message;
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  };
  app.addHook("onReady", async () => void prepare());
  app.addHook("onClose", async () => {
    closed = true;
    await pool.end();
  });

  const database = <T>(work: () => Promise<T>) =>
    fromStore("postgresql", async () => {
      if (!schemaReady) throw new Error(`the orders schema is not ready: ${lastError}`);
      return work();
    });

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
            paymentId: { type: "string", minLength: 1, maxLength: 64 },
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
    "/orders/cancel",
    {
      schema: {
        body: {
          type: "object",
          required: ["idempotencyKey"],
          additionalProperties: false,
          properties: { idempotencyKey: IDEMPOTENCY_KEY },
        },
      },
    },
    async (request) => {
      const { idempotencyKey: key } = request.body as { idempotencyKey: string };
      const order = await database(() => store.cancelByKey(key));
      request.log.info({ order: order?.id, key }, "order cancelled by key");
      return { cancelled: true, order: order ?? null };
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
