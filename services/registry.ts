/**
 * Every shop service's settings and builder, by name, for the code that runs several at once
 * (the in-process test harness and the container entry).
 */
import { SHOP_SERVICES } from "../config/shop.js";
import { buildCart, CART_SETTINGS } from "./cart/app.js";
import { buildCatalog, CATALOG_SETTINGS } from "./catalog/app.js";
import { buildCheckout, CHECKOUT_SETTINGS } from "./checkout/app.js";
import { buildFrontend, FRONTEND_SETTINGS } from "./frontend/app.js";
import type { Service } from "./lib/server.js";
import { loadSettings, type Setting } from "./lib/settings.js";
import { buildOrders, ORDERS_SETTINGS } from "./orders/app.js";
import { buildPayments, PAYMENTS_SETTINGS } from "./payments/app.js";
import { buildRecommendation, RECOMMENDATION_SETTINGS } from "./recommendation/app.js";

export interface ServiceEntry {
  /** Reads and validates the service's settings from an environment; throws SettingsError. */
  readonly load: (env: Readonly<Record<string, string | undefined>>) => unknown;
  readonly build: (settings: never) => Service;
}

function entry<S extends Record<string, Setting<unknown>>>(
  spec: S,
  build: (settings: ReturnType<typeof loadSettings<S>>) => Service,
): ServiceEntry {
  return { load: (env) => loadSettings(spec, env), build: build as (settings: never) => Service };
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

// The model and this table must name the same services.
for (const s of SHOP_SERVICES)
  if (!SERVICES[s.name]) throw new Error(`services/registry.ts has no entry for shop service '${s.name}'`);
