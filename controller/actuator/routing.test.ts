import { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import fc from "fast-check";
import { applyGuardrails } from "../policy/guardrails.js";
import {
  assertWritableWeights,
  destinationRuleApply,
  hedgingEnvoyFilter,
  InvalidRoutingError,
  liveWeights,
  virtualServiceApply,
} from "./routing.js";

const HOST = "catalog.meshpilot-shop.svc.cluster.local";

/** A route's subsets, a floor and step that fit them, and valid weights in force. */
const setting = fc
  .record({
    subsets: fc.integer({ min: 1, max: 6 }),
    minWeight: fc.integer({ min: 0, max: 15 }),
    maxStep: fc.integer({ min: 1, max: 40 }),
  })
  .filter(({ subsets, minWeight }) => subsets * minWeight <= 100)
  .chain(({ subsets, minWeight, maxStep }) => {
    const names = Array.from({ length: subsets }, (_, i) => `v${i + 1}`);
    const spare = 100 - subsets * minWeight;
    return fc
      .array(fc.nat({ max: 1000 }), { minLength: subsets, maxLength: subsets })
      .map((raw) => {
        const sum = raw.reduce((a, b) => a + b, 0) || 1;
        const extra = raw.map((r) => Math.floor((r / sum) * spare));
        extra[0] += spare - extra.reduce((a, b) => a + b, 0);
        return Object.fromEntries(names.map((n, i) => [n, minWeight + extra[i]]));
      })
      .map((current) => ({ names, limits: { minWeight, maxStep, total: 100, cooldownMs: 0 }, current }));
  });

function obeys(
  w: Record<string, number>,
  prev: Record<string, number>,
  l: { minWeight: number; maxStep: number },
) {
  const names = Object.keys(prev);
  return (
    Object.keys(w).sort().join() === names.sort().join() &&
    names.every(
      (n) => Number.isInteger(w[n]) && w[n] >= l.minWeight && Math.abs(w[n] - prev[n]) <= l.maxStep,
    ) &&
    names.reduce((s, n) => s + w[n], 0) === 100
  );
}

describe("the actuator's input check (property-based)", () => {
  it("accepts exactly the weights that obey the floor, the step and the total", () => {
    fc.assert(
      fc.property(
        setting,
        fc.array(fc.oneof(fc.integer({ min: -20, max: 120 }), fc.double({ noNaN: false })), {
          minLength: 6,
          maxLength: 6,
        }),
        ({ names, limits, current }, raw) => {
          const candidate = Object.fromEntries(names.map((n, i) => [n, raw[i]]));
          const ok = obeys(candidate, current, limits);
          if (ok) expect(() => assertWritableWeights(candidate, current, limits)).not.toThrow();
          else expect(() => assertWritableWeights(candidate, current, limits)).toThrow(InvalidRoutingError);
        },
      ),
      { seed: 42, numRuns: 2000 },
    );
  });

  it("never refuses what the guardrails let through, whatever a policy proposes", () => {
    fc.assert(
      fc.property(
        setting,
        fc.array(fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -100, max: 1000 })), {
          minLength: 6,
          maxLength: 6,
        }),
        ({ names, limits, current }, raw) => {
          const proposed = Object.fromEntries(names.map((n, i) => [n, raw[i]]));
          const out = applyGuardrails(current, proposed, limits, { nowMs: 0, telemetryFresh: true });
          expect(() => assertWritableWeights(out.weights, current, limits)).not.toThrow();
        },
      ),
      { seed: 7, numRuns: 2000 },
    );
  });

  it("refuses a subset the route does not have, or one left out", () => {
    const prev = { v1: 50, v2: 50 };
    const limits = { minWeight: 5, maxStep: 10, total: 100 };
    expect(() => assertWritableWeights({ v1: 50, v3: 50 }, prev, limits)).toThrow(
      "weights name subsets v1, v3 but the route has v1, v2",
    );
    expect(() => assertWritableWeights({ v1: 100 }, prev, limits)).toThrow(InvalidRoutingError);
  });
});

describe("apply bodies", () => {
  const live = {
    metadata: { name: "catalog", namespace: "meshpilot-shop" },
    spec: {
      hosts: ["catalog"],
      http: [
        {
          name: "default",
          route: [
            { destination: { host: HOST, subset: "v1", port: { number: 8081 } }, weight: 90 },
            { destination: { host: HOST, subset: "v2", port: { number: 8081 } }, weight: 10 },
          ],
          retries: {
            attempts: 2,
            perTryTimeout: "200ms",
            retryOn: "connect-failure,refused-stream,unavailable",
          },
          timeout: "1000ms",
        },
      ],
    },
  };

  it("sets the target's weights and retries in the live http list, keeping everything else", () => {
    const body = virtualServiceApply(live, HOST, {
      algorithm: "LEAST_REQUEST",
      weights: { v1: 80, v2: 20 },
      retries: { attempts: 3, perTryTimeoutMs: 150 },
    });
    expect(() => new VirtualService(body as never).validate()).not.toThrow();
    expect(liveWeights(body.spec.http, HOST)).toEqual({ v1: 80, v2: 20 });
    expect(body.spec.http[0]).toEqual({
      ...live.spec.http[0],
      route: [
        { ...live.spec.http[0].route[0], weight: 80 },
        { ...live.spec.http[0].route[1], weight: 20 },
      ],
      retries: { attempts: 3, perTryTimeout: "150ms", retryOn: "connect-failure,refused-stream,unavailable" },
    });
    expect(live.spec.http[0].route[0].weight).toBe(90);
    // The ejection lever's per-try timeout must retry, which Envoy does for a read timeout under `reset`.
    const eject = virtualServiceApply(live, HOST, {
      algorithm: "LEAST_REQUEST",
      weights: { v1: 80, v2: 20 },
      retries: { attempts: 1, perTryTimeoutMs: 120, onTimeout: true },
    });
    expect(eject.spec.http[0].retries).toEqual({
      attempts: 1,
      perTryTimeout: "120ms",
      retryOn: "connect-failure,refused-stream,unavailable,reset",
    });
  });

  it("refuses a VirtualService without a route to the host, or a weight for an unknown subset", () => {
    expect(() =>
      virtualServiceApply(live, "cart.meshpilot-shop.svc.cluster.local", {
        algorithm: "RANDOM",
        weights: {},
      }),
    ).toThrow("has no route to cart.meshpilot-shop.svc.cluster.local");
    expect(() => virtualServiceApply(live, HOST, { algorithm: "RANDOM", weights: { v1: 100 } })).toThrow(
      "no weight for subset v2",
    );
  });

  it("writes only the load balancer and outlier detection on the DestinationRule, and a valid hedging EnvoyFilter", () => {
    const dr = destinationRuleApply("catalog", "meshpilot-shop", HOST, {
      algorithm: "ROUND_ROBIN",
      weights: { v1: 100 },
      outlierDetection: {
        consecutive5xxErrors: 3,
        intervalMs: 5000,
        baseEjectionTimeMs: 30000,
        maxEjectionPercent: 50,
      },
    });
    expect(() => new DestinationRule(dr as never).validate()).not.toThrow();
    expect(Object.keys(dr.spec)).toEqual(["host", "trafficPolicy"]);
    expect(dr.spec.trafficPolicy).toEqual({
      loadBalancer: { simple: "ROUND_ROBIN" },
      outlierDetection: {
        consecutive5xxErrors: 3,
        interval: "5000ms",
        baseEjectionTime: "30000ms",
        maxEjectionPercent: 50,
      },
    });
    const ef = hedgingEnvoyFilter("catalog", "meshpilot-shop", HOST, 8081);
    expect(() => new EnvoyFilter(ef as never).validate()).not.toThrow();
  });
});
