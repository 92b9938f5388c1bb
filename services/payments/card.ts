/** Card checks a payment service runs before talking to a processor. */

/** The Luhn (mod 10) checksum every card number carries. */
export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card is valid through the last day of its expiry month. */
export function expired(expMonth: number, expYear: number, now: Date): boolean {
  const endOfMonth = Date.UTC(expYear, expMonth, 1); // first instant of the following month
  return now.getTime() >= endOfMonth;
}

/** American Express (34, 37) uses four-digit codes; others use three. */
export function cvvValid(number: string, cvv: string): boolean {
  return /^(34|37)/.test(number) ? /^\d{4}$/.test(cvv) : /^\d{3}$/.test(cvv);
}

/**
 * The processor model's documented test numbers. Every other valid number is approved.
 * They pass the Luhn check, so they exercise the decline path, not validation.
 */
export const TEST_CARDS = {
  approved: "4242424242424242",
  declined: "4000000000000002",
  insufficientFunds: "4000000000009995",
} as const;

export type ProcessorOutcome =
  | { approved: true }
  | { approved: false; code: "card_declined" | "insufficient_funds"; message: string };

export function processorDecision(number: string): ProcessorOutcome {
  if (number === TEST_CARDS.declined)
    return { approved: false, code: "card_declined", message: "the card was declined by the issuer" };
  if (number === TEST_CARDS.insufficientFunds)
    return { approved: false, code: "insufficient_funds", message: "the card has insufficient funds" };
  return { approved: true };
}
