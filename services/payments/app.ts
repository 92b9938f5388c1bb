import { createHash, randomUUID } from "node:crypto";
import { COMMON_SETTINGS, type loadSettings, setting } from "../../common/settings.js";
import { servicePort } from "../../config/shop.js";
import { idempotencyKey } from "../lib/idempotency.js";
import { CARD } from "../lib/schemas.js";
import { createService, HttpError, type Service } from "../lib/server.js";
import { cvvValid, expired, luhnValid, processorDecision } from "./card.js";

export const PAYMENTS_SETTINGS = { ...COMMON_SETTINGS, PORT: setting.port(servicePort("payments")) };
export type PaymentsSettings = ReturnType<typeof loadSettings<typeof PAYMENTS_SETTINGS>>;

export interface Payment {
  readonly id: string;
  readonly orderRef?: string;
  readonly amountCents: number;
  readonly currency: string;
  readonly last4: string;
  status: "captured" | "voided" | "partially_refunded" | "refunded";
  refundedCents: number;
  readonly createdAt: string;
}

interface ChargeBody {
  amountCents: number;
  currency: string;
  orderRef?: string;
  card: { number: string; expMonth: number; expYear: number; cvv: string };
}

/** What a key was first used for, and what it answered, so a retry gets the same answer. */
interface Remembered {
  readonly fingerprint: string;
  readonly status: number;
  readonly body: unknown;
  readonly paymentId?: string;
}

/**
 * Payments: validates the card, charges through the processor model, and is idempotent on
 * Idempotency-Key, so a retried charge never charges twice. Supports void and refund.
 *
 * State is in memory: the processor is the system of record in a real deployment.
 */
export function buildPayments(settings: PaymentsSettings, clock: () => Date = () => new Date()): Service {
  const service = createService({ name: "payments", settings });
  const { app } = service;
  const payments = new Map<string, Payment>();
  const byKey = new Map<string, Remembered>();

  const chargeSchema = {
    type: "object",
    required: ["amountCents", "currency", "card"],
    additionalProperties: false,
    properties: {
      amountCents: { type: "integer", minimum: 1, maximum: 10_000_000 },
      currency: { type: "string", enum: ["EUR"] },
      orderRef: { type: "string", minLength: 1, maxLength: 64 },
      card: CARD,
    },
  } as const;

  app.post("/payments", { schema: { body: chargeSchema } }, async (request, reply) => {
    const key = idempotencyKey(request.headers);
    const body = request.body as ChargeBody;
    const fingerprint = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    // No await between this lookup and `remember`: two concurrent tries with one key cannot both charge.
    const seen = byKey.get(key);
    if (seen) {
      if (seen.fingerprint !== fingerprint)
        throw new HttpError(
          409,
          "idempotency_key_reused",
          "this Idempotency-Key was used for a different charge",
        );
      // A replayed charge answers with the payment as it is now, so a retry sees a void.
      const current = seen.paymentId ? payments.get(seen.paymentId) : seen.body;
      return reply.code(seen.status).header("idempotent-replayed", "true").send(current);
    }
    const remember = (status: number, payload: unknown, paymentId?: string) => {
      byKey.set(key, { fingerprint, status, body: payload, paymentId });
      return reply.code(status).send(payload);
    };
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
    const decision = processorDecision(card.number);
    if (!decision.approved) return remember(402, { error: decision.code, message: decision.message });
    const payment: Payment = {
      id: `pay_${randomUUID()}`,
      orderRef: body.orderRef,
      amountCents: body.amountCents,
      currency: body.currency,
      last4: card.number.slice(-4),
      status: "captured",
      refundedCents: 0,
      createdAt: clock().toISOString(),
    };
    payments.set(payment.id, payment);
    request.log.info({ payment: payment.id, amountCents: payment.amountCents }, "payment captured");
    return remember(201, payment, payment.id);
  });

  const find = (id: string): Payment => {
    const p = payments.get(id);
    if (!p) throw new HttpError(404, "unknown_payment", `no payment '${id}'`);
    return p;
  };
  const idParams = {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", pattern: "^pay_[0-9a-f-]{36}$" } },
  } as const;

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
          properties: { orderRef: { type: "string" } },
        },
      },
    },
    async (request) => {
      const { orderRef } = request.query as { orderRef: string };
      return { items: [...payments.values()].filter((p) => p.orderRef === orderRef) };
    },
  );

  // Voiding is idempotent: voiding a voided payment answers the same.
  app.post("/payments/:id/void", { schema: { params: idParams } }, async (request) => {
    const p = find((request.params as { id: string }).id);
    if (p.status === "voided") return p;
    if (p.status !== "captured")
      throw new HttpError(409, "not_voidable", `a ${p.status} payment cannot be voided; refund it`);
    p.status = "voided";
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
          properties: { amountCents: { type: "integer", minimum: 1 } },
        },
      },
    },
    async (request) => {
      const p = find((request.params as { id: string }).id);
      if (p.status === "voided")
        throw new HttpError(409, "not_refundable", "a voided payment has nothing to refund");
      const remaining = p.amountCents - p.refundedCents;
      const amount = (request.body as { amountCents?: number } | undefined)?.amountCents ?? remaining;
      if (amount > remaining)
        throw new HttpError(409, "refund_too_large", `only ${remaining} cents remain to refund`);
      p.refundedCents += amount;
      p.status = p.refundedCents === p.amountCents ? "refunded" : "partially_refunded";
      return p;
    },
  );
  return service;
}
