import { jest } from "@jest/globals";
import type { FastifyInstance } from "fastify";
import { loadSettings } from "../../common/settings.js";
import { type RunningPostgres, startPostgres } from "../local/stores.js";
import { buildPayments, PAYMENTS_SETTINGS } from "./app.js";
import { TEST_CARDS } from "./card.js";

// These tests start real servers (PostgreSQL, Redis, the shop): on a loaded 2-core machine that
// takes seconds, so every test and hook gets a bounded minute rather than Jest's 5 s.
jest.setTimeout(60_000);

// A real PostgreSQL cluster on loopback: payments keeps its charges there.
let db: RunningPostgres;
const started: FastifyInstance[] = [];
beforeAll(async () => {
  db = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const app of started) await app.close();
  await db.stop();
}, 30_000);

const NOW = new Date("2026-11-22T12:00:00Z");
const card = (number: string = TEST_CARDS.approved) => ({ number, expMonth: 12, expYear: 2028, cvv: "123" });
const charge = (over: Record<string, unknown> = {}) => ({
  amountCents: 2590,
  currency: "EUR",
  orderRef: "ord-1",
  card: card(),
  ...over,
});

let ops = 0;
/** A payments instance on the shared database; `post` sends a fresh key unless told one. */
async function payments() {
  const { app } = buildPayments(
    loadSettings(PAYMENTS_SETTINGS, {
      LOG_LEVEL: "silent",
      DATABASE_PORT: String(db.port),
      DATABASE_PASSWORD: db.password,
    }),
    () => NOW,
  );
  started.push(app);
  await app.ready();
  while ((await app.inject({ url: "/readyz" })).statusCode !== 200)
    await new Promise((r) => setTimeout(r, 20));
  const post = (url: string, payload: unknown, key: string | null = `op-${String(++ops).padStart(8, "0")}`) =>
    app.inject({
      method: "POST",
      url,
      payload: payload as object,
      headers: key ? { "idempotency-key": key } : {},
    });
  return { app, post };
}

describe("payments", () => {
  it("captures a valid charge and reports only the last four digits", async () => {
    const { post } = await payments();
    const res = await post("/payments", charge(), "key-00000001");
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual(
      expect.objectContaining({ status: "captured", amountCents: 2590, last4: "4242", orderRef: "ord-1" }),
    );
    expect(JSON.stringify(res.json())).not.toContain("4242424242424242");
  });

  it("answers a retry with the same key exactly once, and refuses the key for a different charge", async () => {
    const { app, post } = await payments();
    const first = await post("/payments", charge({ orderRef: "ord-2" }), "key-00000002");
    const again = await post("/payments", charge({ orderRef: "ord-2" }), "key-00000002");
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().id).toBe(first.json().id);
    const listed = await app.inject({ url: "/payments?orderRef=ord-2" });
    expect(listed.json().items).toHaveLength(1);
    const other = await post("/payments", charge({ orderRef: "ord-2", amountCents: 1 }), "key-00000002");
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe("idempotency_key_reused");
  });

  it("answers a replay with the payment as it is now, so a retry after a void sees the void", async () => {
    const { post } = await payments();
    const first = (await post("/payments", charge(), "key-00000030")).json();
    await post(`/payments/${first.id}/void`, {});
    const replay = await post("/payments", charge(), "key-00000030");
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual({ ...first, status: "voided" });
  });

  it("declines the processor's test numbers with a 402, remembered under the key", async () => {
    const { post } = await payments();
    const declined = await post("/payments", charge({ card: card(TEST_CARDS.declined) }), "key-00000003");
    expect(declined.statusCode).toBe(402);
    expect(declined.json()).toEqual({
      error: "card_declined",
      message: "the card was declined by the issuer",
    });
    expect(
      (await post("/payments", charge({ card: card(TEST_CARDS.declined) }), "key-00000003")).statusCode,
    ).toBe(402);
    expect(
      (await post("/payments", charge({ card: card(TEST_CARDS.insufficientFunds) }), "key-00000004")).json()
        .error,
    ).toBe("insufficient_funds");
  });

  it.each([
    ["no Idempotency-Key", charge(), null, 400, "missing_idempotency_key"],
    [
      "a bad checksum",
      charge({ card: card("4242424242424241") }),
      "key-00000010",
      400,
      "invalid_card_number",
    ],
    [
      "an expired card",
      charge({ card: { ...card(), expMonth: 10, expYear: 2026 } }),
      "key-00000011",
      400,
      "card_expired",
    ],
    ["a short CVV", charge({ card: { ...card(), cvv: "12" } }), "key-00000012", 400, "invalid_request"],
    [
      "a four-digit CVV on a Visa",
      charge({ card: { ...card(), cvv: "1234" } }),
      "key-00000013",
      400,
      "invalid_cvv",
    ],
    ["a zero amount", charge({ amountCents: 0 }), "key-00000014", 400, "invalid_request"],
    ["a huge amount", charge({ amountCents: 1e9 }), "key-00000015", 400, "invalid_request"],
    ["another currency", charge({ currency: "USD" }), "key-00000016", 400, "invalid_request"],
    ["an unknown field", charge({ tip: 5 }), "key-00000017", 400, "invalid_request"],
    ["an amount sent as a string", charge({ amountCents: "1e309" }), "key-00000018", 400, "invalid_request"],
    ["an amount of -Infinity", charge({ amountCents: "-Infinity" }), "key-00000019", 400, "invalid_request"],
    [
      "a NUL in the order reference",
      charge({ orderRef: "ord\u0000" }),
      "key-0000001a",
      400,
      "invalid_request",
    ],
  ])("rejects %s", async (_what, body, key, status, error) => {
    const { post } = await payments();
    const res = await post("/payments", body, key);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(error);
  });

  it("voids a capture once, and refunds in parts up to the amount", async () => {
    const { post } = await payments();
    const id = (await post("/payments", charge(), "key-00000020")).json().id;
    expect((await post(`/payments/${id}/void`, {})).json().status).toBe("voided");
    expect((await post(`/payments/${id}/void`, {})).json().status).toBe("voided");
    expect((await post(`/payments/${id}/refund`, {})).statusCode).toBe(409);

    const other = (await post("/payments", charge(), "key-00000021")).json().id;
    expect((await post(`/payments/${other}/refund`, { amountCents: 590 })).json()).toEqual(
      expect.objectContaining({ status: "partially_refunded", refundedCents: 590 }),
    );
    expect((await post(`/payments/${other}/refund`, { amountCents: 5000 })).json().error).toBe(
      "refund_too_large",
    );
    expect((await post(`/payments/${other}/refund`, {})).json().status).toBe("refunded");
    expect((await post(`/payments/${other}/void`, {})).json().error).toBe("not_voidable");
    const unknown = await post("/payments/pay_00000000-0000-0000-0000-000000000000/void", {});
    expect(unknown.statusCode).toBe(404);
  });

  it("keeps charges across a restart, and replays a void or refund retried with its key", async () => {
    const before = await payments();
    const paid = (await before.post("/payments", charge(), "key-00000040")).json();
    await before.app.close();
    const after = await payments();
    expect((await after.app.inject({ url: `/payments/${paid.id}` })).json()).toEqual(paid);
    const refund = await after.post(`/payments/${paid.id}/refund`, { amountCents: 100 }, "refund-key-0040");
    const again = await after.post(`/payments/${paid.id}/refund`, { amountCents: 100 }, "refund-key-0040");
    expect(again.json()).toEqual(refund.json());
    expect(again.json().refundedCents).toBe(100);
    const reused = await after.post(`/payments/${paid.id}/refund`, { amountCents: 200 }, "refund-key-0040");
    expect([reused.statusCode, reused.json().error]).toEqual([409, "idempotency_key_reused"]);
    expect((await after.post(`/payments/${paid.id}/void`, {}, null)).json().error).toBe(
      "missing_idempotency_key",
    );
  });

  it("never refunds more than was captured, whatever the amounts and however many race", async () => {
    const { post } = await payments();
    const id = (await post("/payments", charge({ amountCents: 1000 }))).json().id;
    for (const amountCents of ["-Infinity", "1e309", -5, 0, 1.5])
      expect((await post(`/payments/${id}/refund`, { amountCents })).statusCode).toBe(400);
    const tries = await Promise.all(
      Array.from({ length: 12 }, () => post(`/payments/${id}/refund`, { amountCents: 300 })),
    );
    expect(tries.filter((t) => t.statusCode === 200)).toHaveLength(3);
    expect(
      tries.filter((t) => t.statusCode === 409).every((t) => t.json().error === "refund_too_large"),
    ).toBe(true);
    const rest = await post(`/payments/${id}/refund`, {});
    expect(rest.json()).toEqual(expect.objectContaining({ status: "refunded", refundedCents: 1000 }));
    expect((await post(`/payments/${id}/refund`, { amountCents: 1 })).json().error).toBe("not_refundable");
  });

  it("closes a charge's key: voids a charge made under it, and keeps a late one from landing", async () => {
    const { post } = await payments();
    const paid = (await post("/payments", charge(), "key-00000050")).json();
    const closed = await post("/payments/cancel", { idempotencyKey: "key-00000050" });
    expect(closed.json()).toEqual({ cancelled: true, payment: { ...paid, status: "voided" } });
    expect((await post("/payments/cancel", { idempotencyKey: "key-00000050" })).json().cancelled).toBe(true);

    expect((await post("/payments/cancel", { idempotencyKey: "key-00000051" })).json()).toEqual({
      cancelled: true,
      payment: null,
    });
    const late = await post("/payments", charge(), "key-00000051");
    expect([late.statusCode, late.json().error]).toEqual([409, "charge_cancelled"]);
  });
});
