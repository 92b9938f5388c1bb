import { describe, expect, test } from "@jest/globals";
import { routingObjects } from "../testbed/fixtures.js";
import {
  currentKnobs,
  destinationRuleRestore,
  durationMs,
  type KubeObject,
  originalRouting,
  subsetsOf,
  virtualServiceRestore,
} from "./live-routing.js";

const { virtualService, destinationRule } = routingObjects("shop", "catalog", { v1: 70, v2: 30 });
const vs = virtualService as unknown as KubeObject;
const dr = destinationRule as unknown as KubeObject;
const host = "catalog.shop.svc.cluster.local";

describe("the routing in force, read from the live objects", () => {
  test("durations in Istio's spelling", () => {
    expect([durationMs("250ms"), durationMs("2s"), durationMs("1.5s"), durationMs("1m")]).toEqual([
      250, 2000, 1500, 60_000,
    ]);
    expect(durationMs("soon")).toBeUndefined();
  });

  test("weights, Istio's default balancer, and retries; hedging only when the filter is there", () => {
    expect(subsetsOf(dr)).toEqual(["v1", "v2"]);
    expect(currentKnobs(vs, dr, host)).toEqual({
      algorithm: "LEAST_REQUEST",
      weights: { v1: 70, v2: 30 },
      retries: { attempts: 2, perTryTimeoutMs: 2000 },
    });
    expect(currentKnobs(vs, dr, host, { hedge: true }).retries?.hedge).toBe(true);
    // What only the optimizer's own objects hold comes from the caller.
    const lane = { quarantined: ["catalog-v1-2"], probePercent: 1 };
    expect(
      currentKnobs(vs, dr, host, { onTimeout: true, leastRequest: { choiceCount: 2, fullScan: true }, lane }),
    ).toEqual({
      algorithm: "LEAST_REQUEST",
      weights: { v1: 70, v2: 30 },
      retries: { attempts: 2, perTryTimeoutMs: 2000, onTimeout: true },
      leastRequest: { choiceCount: 2, fullScan: true },
      lane,
    });
    expect(() => currentKnobs(vs, dr, "other.shop.svc.cluster.local")).toThrow(/no route that sends only/);
  });

  test("the original is kept field by field, and the restore bodies write exactly it back", () => {
    const original = originalRouting(vs, dr, host);
    expect(original).toEqual({
      weights: { v1: 70, v2: 30 },
      retries: { attempts: 2, perTryTimeout: "2s", retryOn: "connect-failure,refused-stream" },
    });
    const moved = structuredClone(virtualService);
    moved.spec.http[0].route[0].weight = 95;
    moved.spec.http[0].route[1].weight = 5;
    const restored = virtualServiceRestore(moved as unknown as KubeObject, host, original) as {
      spec: { http: { route: { weight: number }[]; retries: unknown }[] };
    };
    expect(restored.spec.http[0].route.map((r) => r.weight)).toEqual([70, 30]);
    expect(restored.spec.http[0].retries).toEqual(original.retries);
    // The DestinationRule body owns only the traffic policy Git had: none here.
    expect(destinationRuleRestore(dr, original).spec).toEqual({ host });
  });
});
