/** JSON Schemas for the fields several services accept, so every service refuses the same bad input. */

/** Catalog ids: three letters, a dash, three digits (see services/catalog/products.ts). */
export const PRODUCT_ID = { type: "string", pattern: "^[a-z]{3}-\\d{3}$" } as const;

/** The most units of one product a cart, an order or a checkout may hold. */
export const MAX_QUANTITY = 99;
export const QUANTITY = { type: "integer", minimum: 1, maximum: MAX_QUANTITY } as const;

/** Payments' ids: "pay_" and a UUID; the pattern also keeps NULs and spaces out of every query. */
export const PAYMENT_ID = { type: "string", pattern: "^pay_[A-Za-z0-9-]{1,60}$" } as const;

/** What a charge is for: checkout's order key. */
export const ORDER_REF = { type: "string", pattern: "^[A-Za-z0-9_.:-]{1,64}$" } as const;

/** The largest amount one order or charge may carry: what a 32-bit integer column holds. */
export const MAX_TOTAL_CENTS = 2_147_483_647;

export const USER_ID = { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } as const;

/** A card as the customer typed it; payments checks the checksum, expiry and CVV length. */
export const CARD = {
  type: "object",
  required: ["number", "expMonth", "expYear", "cvv"],
  additionalProperties: false,
  properties: {
    number: { type: "string", pattern: "^\\d{12,19}$" },
    expMonth: { type: "integer", minimum: 1, maximum: 12 },
    expYear: { type: "integer", minimum: 2000, maximum: 2100 },
    cvv: { type: "string", pattern: "^\\d{3,4}$" },
  },
} as const;

export interface Card {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvv: string;
}
