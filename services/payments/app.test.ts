import { testSettings } from "../lib/test-settings.js";
import { buildPayments } from "./app.js";
import { TEST_CARDS } from "./card.js";

const NOW = new Date("2026-11-22T12:00:00Z");
const card = (number: string = TEST_CARDS.approved) => ({ number, expMonth: 12, expYear: 2028, cvv: "123" });
const charge = (over: Record<string, unknown> = {}) => ({
  amountCents: 2590,
  currency: "EUR",
  orderRef: "ord-1",
  card: card(),
  ...over,
});

function payments() {
  const { app } = buildPayments({ ...testSettings(), PORT: 8084 }, () => NOW);
  const post = (url: string, payload: unknown, key?: string) =>
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
    const { post } = payments();
    const res = await post("/payments", charge(), "key-00000001");
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual(
      expect.objectContaining({ status: "captured", amountCents: 2590, last4: "4242", orderRef: "ord-1" }),
    );
    expect(JSON.stringify(res.json())).not.toContain("4242424242424242");
  });

  it("answers a retry with the same key exactly once, and refuses the key for a different charge", async () => {
    const { app, post } = payments();
    const first = await post("/payments", charge(), "key-00000002");
    const again = await post("/payments", charge(), "key-00000002");
    expect(again.statusCode).toBe(201);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().id).toBe(first.json().id);
    const listed = await app.inject({ url: "/payments?orderRef=ord-1" });
    expect(listed.json().items).toHaveLength(1);
    const other = await post("/payments", charge({ amountCents: 1 }), "key-00000002");
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe("idempotency_key_reused");
  });

  it("answers a replay with the payment as it is now, so a retry after a void sees the void", async () => {
    const { post } = payments();
    const first = (await post("/payments", charge(), "key-00000030")).json();
    await post(`/payments/${first.id}/void`, {});
    const replay = await post("/payments", charge(), "key-00000030");
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual({ ...first, status: "voided" });
  });

  it("declines the processor's test numbers with a 402, remembered under the key", async () => {
    const { post } = payments();
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
    ["no Idempotency-Key", charge(), undefined, 400, "missing_idempotency_key"],
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
  ])("rejects %s", async (_what, body, key, status, error) => {
    const { post } = payments();
    const res = await post("/payments", body, key);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toBe(error);
  });

  it("voids a capture once, and refunds in parts up to the amount", async () => {
    const { post } = payments();
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
});
