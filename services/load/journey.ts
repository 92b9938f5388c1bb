/**
 * A shopper's visit as a funnel: browse, then view products, add to the cart, view the cart and
 * check out, each step taken with its own probability. The mix is the set of probabilities.
 */
import type { Random } from "../../common/random.js";

export const STEPS = ["browse", "view_product", "add_to_cart", "view_cart", "checkout"] as const;
export type Step = (typeof STEPS)[number];

/** The chance of taking each step, given the visitor got as far as the one before. */
export type Mix = Readonly<Record<Step, number>>;

export const DEFAULT_MIX: Mix = {
  browse: 1,
  view_product: 0.9,
  add_to_cart: 0.5,
  view_cart: 0.8,
  checkout: 0.6,
};

export const CATEGORIES = ["books", "brewing", "coffee", "cups", "tea"] as const;

/** A planned request: which step it belongs to and what to send. */
export interface Action {
  readonly step: Step;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
}

/**
 * Plans one visit from the seeded stream: products are picked from `productIds`; a visitor who
 * views products looks at one to three of them. Pure, so a seed always plans the same visits.
 */
export function planVisit(random: Random, mix: Mix, productIds: readonly string[], visit: number): Action[] {
  const actions: Action[] = [];
  const category = CATEGORIES[random.int(CATEGORIES.length)];
  actions.push({ step: "browse", method: "GET", path: `/?category=${category}` });
  if (!random.chance(mix.view_product)) return actions;
  const viewed = Array.from({ length: 1 + random.int(3) }, () => productIds[random.int(productIds.length)]);
  for (const id of viewed) actions.push({ step: "view_product", method: "GET", path: `/products/${id}` });
  if (!random.chance(mix.add_to_cart)) return actions;
  actions.push({
    step: "add_to_cart",
    method: "POST",
    path: "/api/cart/items",
    body: { productId: viewed[viewed.length - 1], quantity: 1 + random.int(3) },
  });
  if (!random.chance(mix.view_cart)) return actions;
  actions.push({ step: "view_cart", method: "GET", path: "/cart" });
  if (!random.chance(mix.checkout)) return actions;
  actions.push({
    step: "checkout",
    method: "POST",
    path: "/api/checkout",
    idempotencyKey: `load-${random.seed >>> 0}-${visit}`,
    body: { card: { number: "4242424242424242", expMonth: 12, expYear: 2099, cvv: "123" } },
  });
  return actions;
}

/** Parses "view_product=0.8,checkout=0.3" over the default mix; a bad entry throws with the fix. */
export function parseMix(text: string | undefined): Mix {
  const mix: Record<string, number> = { ...DEFAULT_MIX };
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [name, value] = part.split("=");
    const p = Number(value);
    if (!(STEPS as readonly string[]).includes(name) || !(p >= 0 && p <= 1))
      throw new Error(
        `--mix entry "${part}" must be step=probability with step one of ${STEPS.join(", ")} and 0 <= p <= 1`,
      );
    mix[name] = p;
  }
  return mix as Mix;
}
