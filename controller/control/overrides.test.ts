import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type { RoutingOverride } from "../../api/intent/overrides.js";
import { enforceOverrides } from "./overrides.js";

const routing = (weights: Record<string, number>) => ({ algorithm: "LEAST_REQUEST" as const, weights });
const cap = (subset: string, maxWeight: number): RoutingOverride => ({
  kind: "cap-subset",
  subset,
  maxWeight,
  by: "AIOpsPolicy/shop",
  reason: "incident 3",
});

describe("routing overrides enforced on a proposal", () => {
  test("a capped subset's excess goes to the others in proportion to their weights", () => {
    const out = enforceOverrides(routing({ v1: 20, v2: 50, v3: 30 }), [cap("v2", 0)]);
    expect(out.routing.weights).toEqual({ v1: 40, v2: 0, v3: 60 });
    expect(out.notes).toEqual(["override by AIOpsPolicy/shop (incident 3): v2 capped at 0%."]);
  });

  test("the excess is shared evenly when the others have no weight, and a cap already met changes nothing", () => {
    expect(enforceOverrides(routing({ v1: 0, v2: 100, v3: 0 }), [cap("v2", 25)]).routing.weights).toEqual({
      v1: 38,
      v2: 25,
      v3: 37,
    });
    const met = enforceOverrides(routing({ v1: 90, v2: 10 }), [cap("v2", 10)]);
    expect(met.routing.weights).toEqual({ v1: 90, v2: 10 });
    expect(met.notes[0]).toMatch(/held at or below 10%/);
  });

  test("a cap with nowhere to send the rest, or on an unknown subset, is reported and not enforced", () => {
    const both = enforceOverrides(routing({ v1: 50, v2: 50 }), [cap("v1", 0), cap("v2", 0)]);
    expect(both.routing.weights).toEqual({ v1: 50, v2: 50 });
    expect(both.notes.join(" ")).toMatch(/no uncapped subset takes the rest/);
    expect(enforceOverrides(routing({ v1: 100 }), [cap("v9", 0)]).notes[0]).toMatch(/not routed to/);
  });

  test("a pod named for quarantine joins the lane ahead of the policy's picks", () => {
    const proposed = { ...routing({ v1: 100 }), lane: { quarantined: ["p2"], probePercent: 1 } };
    const out = enforceOverrides(proposed, [{ kind: "quarantine-pod", pod: "p7", by: "alice" }]);
    expect(out.routing.lane).toEqual({ quarantined: ["p7", "p2"], probePercent: 1 });
    expect(out.notes[0]).toBe("override by alice: p7 goes in the quarantine lane.");
  });

  test("weights still sum to 100 and every cap holds, for any weights and caps", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(100), { minLength: 2, maxLength: 5 }),
        fc.nat(4),
        fc.nat(100),
        (raw, which, maxWeight) => {
          const total = raw.reduce((a, b) => a + b, 0) || 1;
          const weights = Object.fromEntries(raw.map((w, i) => [`v${i}`, Math.floor((w * 100) / total)]));
          weights.v0 += 100 - Object.values(weights).reduce((a, b) => a + b, 0);
          const subset = `v${which % raw.length}`;
          const out = enforceOverrides(routing(weights), [cap(subset, maxWeight)]).routing.weights;
          expect(Object.values(out).reduce((a, b) => a + b, 0)).toBe(100);
          expect(out[subset]).toBeLessThanOrEqual(Math.max(maxWeight, 0));
          for (const w of Object.values(out)) expect(w).toBeGreaterThanOrEqual(0);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });
});
