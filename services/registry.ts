/**
 * Every shop service's settings and builder, by name, for the code that runs several at once
 * (the in-process test harness and the container entry).
 */

import { loadSettings, type Setting } from "../common/settings.js";
import { SHOP_SERVICES } from "../config/shop.js";
import { buildCart, CART_SETTINGS } from "./cart/app.js";
import { buildCatalog, CATALOG_SETTINGS } from "./catalog/app.js";
import { buildCheckout, CHECKOUT_SETTINGS } from "./checkout/app.js";
import { buildFrontend, FRONTEND_SETTINGS } from "./frontend/app.js";
import type { Service } from "./lib/server.js";
import { buildOrders, ORDERS_SETTINGS } from "./orders/app.js";
import { buildPayments, PAYMENTS_SETTINGS } from "./payments/app.js";
import { buildRecommendation, RECOMMENDATION_SETTINGS } from "./recommendation/app.js";

export interface ServiceEntry {
  /** Reads and validates the service's settings from an environment; throws SettingsError. */
  readonly load: (env: Readonly<Record<string, string | undefined>>) => unknown;
  readonly build: (settings: never) => Service;
  /** The callee URL settings it reads (CATALOG_URL, ...). */
  readonly calleeUrls: readonly string[];
}

function entry<S extends Record<string, Setting<unknown>>>(
  spec: S,
  build: (settings: ReturnType<typeof loadSettings<S>>) => Service,
): ServiceEntry {
  return {
    load: (env) => loadSettings(spec, env),
    build: build as (settings: never) => Service,
    calleeUrls: Object.keys(spec).filter((k) => k.endsWith("_URL")),
  };
}

export const SERVICES: Readonly<Record<string, ServiceEntry>> = {
  frontend: entry(FRONTEND_SETTINGS, buildFrontend),
  catalog: entry(CATALOG_SETTINGS, buildCatalog),
  cart: entry(CART_SETTINGS, buildCart),
  checkout: entry(CHECKOUT_SETTINGS, buildCheckout),
  payments: entry(PAYMENTS_SETTINGS, buildPayments),
  orders: entry(ORDERS_SETTINGS, buildOrders),
  recommendation: entry(RECOMMENDATION_SETTINGS, buildRecommendation),
};

// The model and this table must name the same services, and each service's settings must read a
// URL for exactly the callees the model's call graph gives it: the specs spell them out for types.
for (const s of SHOP_SERVICES) {
  const entry = SERVICES[s.name];
  if (!entry) throw new Error(`services/registry.ts has no entry for shop service '${s.name}'`);
  const expected = s.calls.map((c) => `${c.toUpperCase()}_URL`).sort();
  if ([...entry.calleeUrls].sort().join() !== expected.join())
    throw new Error(
      `${s.name}'s settings read ${entry.calleeUrls.join(", ") || "no URLs"} but the shop model says it calls ${s.calls.join(", ") || "nothing"}`,
    );
}
