/** A TrafficIntent per shop service, derived from the shop model: its SLO, its subsets, its routes. */
import type { ShopService } from "../../config/shop.js";
import { INTENT_API_VERSION, INTENT_KIND, type TrafficIntent } from "./schema.js";

/**
 * New intents start in `observe`: the optimizer learns from live traffic before it may act, and
 * an operator promotes each intent to `recommend`, then `act`. A service with one version has no
 * weights to learn, so it holds. Hedging is allowed only where every route is idempotent.
 */
export function defaultIntents(services: readonly ShopService[], namespace: string): TrafficIntent[] {
  return services.map((s) => ({
    apiVersion: INTENT_API_VERSION,
    kind: INTENT_KIND,
    metadata: {
      name: s.name,
      namespace,
      labels: { "app.kubernetes.io/part-of": "meshpilot", "app.kubernetes.io/name": s.name },
    },
    spec: {
      target: {
        host: `${s.name}.${namespace}.svc.cluster.local`,
        virtualService: s.name,
        destinationRule: s.name,
      },
      objectives: { p99LatencyMs: s.slo.p99LatencyMs, errorRate: s.slo.errorRate, costWeight: 0 },
      algorithm: s.versions.length < 2 ? "hold" : s.idempotent ? "thompson-hedging" : "q-learning",
      mode: "observe",
      guardrails: { minWeight: 5, maxStep: 10, cooldownSeconds: 60, allowHedging: s.idempotent === true },
      paused: false,
    },
  }));
}
