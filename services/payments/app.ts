import { createHash, randomUUID } from "node:crypto";
import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { DATABASE_SETTINGS, prepareDatabase } from "../lib/database.js";
import { idempotencyKey, KEY_TO_CLOSE } from "../lib/idempotency.js";
import { CARD, MAX_TOTAL_CENTS, ORDER_REF, PAYMENT_ID } from "../lib/schemas.js";
import { createService, HttpError, type Service } from "../lib/server.js";
import { cvvValid, expired, luhnValid, processorDecision } from "./card.js";
import { MIGRATIONS, PAYMENTS_SCHEMA } from "./migrations.js";
import { PaymentStore } from "./store.js";

export const PAYMENTS_SETTINGS = {
  ...COMMON_SETTINGS,
  ...DATABASE_SETTINGS,
  PORT: setting.port(servicePort("payments")),
};
export type PaymentsSettings = ReturnType<typeof loadSettings<typeof PAYMENTS_SETTINGS>>;
export type { Payment } from "./store.js";

interface ChargeBody {
  amountCents: number;
  currency: string;
  orderRef?: string;
  card: { number: string; expMonth: number; expYear: number; cvv: string };
}

/**
 * Payments: validates the card, charges through the processor model, and keeps every charge in
 * PostgreSQL (its own schema), so a restart loses nothing. Every mutating call (charge, void,
 * refund, closing a charge's key) is idempotent on its Idempotency-Key, so each can be retried.
 */
export function buildPayments(settings: PaymentsSettings, clock: () => Date = () => new Date()): Service {
  const db = prepareDatabase(
    settings,
    { application: "payments", schema: PAYMENTS_SCHEMA, migrations: MIGRATIONS },
    (e) => service.app.log.warn({ err: e }, "idle database connection failed"),
  );
  const store = new PaymentStore(db.pool);
  const service = createService({ name: "payments", settings, readiness: db.readiness });
  const { app } = service;
  app.addHook("onReady", async () => db.start(app.log));
  app.addHook("onClose", async () => db.close());

  const chargeSchema = {
    type: "object",
    required: ["amountCents", "currency", "card"],
    additionalProperties: false,
    properties: {
      amountCents: { type: "integer", minimum: 1, maximum: Math.min(10_000_000, MAX_TOTAL_CENTS) },
      currency: { type: "string", enum: ["EUR"] },
      orderRef: ORDER_REF,
      card: CARD,
    },
  } as const;

  app.post("/payments", { schema: { body: chargeSchema } }, async (request, reply) => {
    const key = idempotencyKey(request.headers);
    const body = request.body as ChargeBody;
    const { card } = body;
    if (!luhnValid(card.number))
      throw new HttpError(400, "invalid_card_number", "the card number fails its checksum");
    if (expired(card.expMonth, card.expYear, clock()))
      throw new HttpError(
        400,
        "card_expired",
        `the card expired at the end of ${card.expMonth}/${card.expYear}`,
      );
    if (!cvvValid(card.number, card.cvv))
      throw new HttpError(400, "invalid_cvv", "the security code has the wrong length for this card");
    const fingerprint = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    const decision = processorDecision(card.number);
    const result = await db.run(() =>
      store.charge(key, fingerprint, {
        id: `pay_${randomUUID()}`,
        orderRef: body.orderRef,
        amountCents: body.amountCents,
        currency: body.currency,
        last4: card.number.slice(-4),
        ...(decision.approved ? {} : { declined: { code: decision.code, message: decision.message } }),
      }),
    );
    switch (result.kind) {
      case "key_reused":
        throw new HttpError(
          409,
          "idempotency_key_reused",
          "this Idempotency-Key was used for a different charge",
        );
      case "cancelled":
        throw new HttpError(409, "charge_cancelled", "the charge under this Idempotency-Key was cancelled");
      case "declined":
        return reply.code(402).send({ error: result.code, message: result.message });
      case "replayed":
        // A replayed charge answers with the payment as it is now, so a retry sees a void.
        return reply.code(201).header("idempotent-replayed", "true").send(result.payment);
      case "created":
        request.log.info(
          { payment: result.payment.id, amountCents: result.payment.amountCents },
          "payment captured",
        );
        return reply.code(201).send(result.payment);
    }
  });

  const idParams = {
    type: "object",
    required: ["id"],
    additionalProperties: false,
    properties: { id: PAYMENT_ID },
  } as const;
  const find = async (id: string) => {
    const p = await db.run(() => store.get(id));
    if (!p) throw new HttpError(404, "unknown_payment", `no payment '${id}'`);
    return p;
  };

  app.get("/payments/:id", { schema: { params: idParams } }, async (request) =>
    find((request.params as { id: string }).id),
  );

  app.get(
    "/payments",
    {
      schema: {
        querystring: {
          type: "object",
          required: ["orderRef"],
          additionalProperties: false,
          properties: { orderRef: ORDER_REF },
        },
      },
    },
    async (request) => {
      const { orderRef } = request.query as { orderRef: string };
      return { items: await db.run(() => store.byOrderRef(orderRef)) };
    },
  );

  // Voiding is idempotent twice over: on its key, and voiding a voided payment answers the same.
  app.post("/payments/:id/void", { schema: { params: idParams } }, async (request) => {
    const key = idempotencyKey(request.headers);
    const p = await db.run(() => store.void((request.params as { id: string }).id, key));
    request.log.info({ payment: p.id }, "payment voided");
    return p;
  });

  app.post(
    "/payments/:id/refund",
    {
      schema: {
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { amountCents: { type: "integer", minimum: 1, maximum: MAX_TOTAL_CENTS } },
        },
      },
    },
    async (request) => {
      const key = idempotencyKey(request.headers);
      const amount = (request.body as { amountCents?: number } | undefined)?.amountCents;
      const p = await db.run(() => store.refund((request.params as { id: string }).id, key, amount));
      request.log.info({ payment: p.id, refundedCents: p.refundedCents }, "payment refunded");
      return p;
    },
  );

  // Checkout's compensation when a charge's outcome is unknown: void it if it was made, and
  // close its key if it was not, so that a charge still in flight can never land.
  app.post(
    "/payments/cancel",
    {
      schema: { body: KEY_TO_CLOSE },
    },
    async (request) => {
      const { idempotencyKey: key } = request.body as { idempotencyKey: string };
      const { cancelled, payment } = await db.run(() => store.cancelKey(key, `pay_${randomUUID()}`));
      request.log.info({ key, payment: payment?.id, cancelled }, "charge key closed");
      return { cancelled, payment: payment ?? null };
    },
  );
  return service;
}
