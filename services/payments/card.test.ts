import { cvvValid, expired, luhnValid, processorDecision, TEST_CARDS } from "./card.js";

describe("card checks", () => {
  it("validates the Luhn checksum", () => {
    expect(luhnValid("4242424242424242")).toBe(true);
    expect(luhnValid("4242424242424241")).toBe(false);
    expect(luhnValid("79927398713")).toBe(false); // too short for a card
    expect(luhnValid("378282246310005")).toBe(true); // Amex test number
    for (const n of Object.values(TEST_CARDS)) expect(luhnValid(n)).toBe(true);
  });

  it("treats a card as valid through the end of its expiry month", () => {
    expect(expired(11, 2026, new Date("2026-11-30T23:59:59Z"))).toBe(false);
    expect(expired(11, 2026, new Date("2026-12-01T00:00:00Z"))).toBe(true);
    expect(expired(12, 2026, new Date("2026-12-31T12:00:00Z"))).toBe(false);
  });

  it("wants four CVV digits for Amex, three for the rest", () => {
    expect(cvvValid("378282246310005", "1234")).toBe(true);
    expect(cvvValid("378282246310005", "123")).toBe(false);
    expect(cvvValid("4242424242424242", "1234")).toBe(false);
  });

  it("declines the documented test numbers and approves the rest", () => {
    expect(processorDecision(TEST_CARDS.approved)).toEqual({ approved: true });
    expect(processorDecision(TEST_CARDS.declined)).toEqual(
      expect.objectContaining({ approved: false, code: "card_declined" }),
    );
    expect(processorDecision(TEST_CARDS.insufficientFunds)).toEqual(
      expect.objectContaining({ code: "insufficient_funds" }),
    );
  });
});
