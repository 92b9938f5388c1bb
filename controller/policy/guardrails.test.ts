import fc from "fast-check";
import { checkLimits, DEFAULT_GUARDRAILS, type GuardrailLimits } from "../../api/guardrail-limits.js";
import { applyGuardrails, type Weights } from "./guardrails.js";

/** Valid current weights: integers, each at least the floor, summing to the total. */
function validWeights(names: string[], limits: GuardrailLimits) {
  return fc.array(fc.nat({ max: 1000 }), { minLength: names.length, maxLength: names.length }).map((raw) => {
    const spare = limits.total - limits.minWeight * names.length;
    const sum = raw.reduce((a, b) => a + b, 0) || 1;
    const shares = raw.map((r) => Math.floor((r / sum) * spare));
    shares[0] += spare - shares.reduce((a, b) => a + b, 0);
    return Object.fromEntries(names.map((n, i) => [n, limits.minWeight + shares[i]])) as Weights;
  });
}

const limitsArb = fc
  .record({
    subsets: fc.integer({ min: 1, max: 6 }),
    minWeight: fc.integer({ min: 0, max: 15 }),
    maxStep: fc.integer({ min: 1, max: 40 }),
  })
  .filter(({ subsets, minWeight }) => subsets * minWeight <= 100);

describe("guardrails", () => {
  it("never emits weights off the floor, off the total, or beyond the step (property)", () => {
    fc.assert(
      fc.property(
        limitsArb.chain(({ subsets, minWeight, maxStep }) => {
          const names = Array.from({ length: subsets }, (_, i) => `v${i + 1}`);
          const limits = { ...DEFAULT_GUARDRAILS, minWeight, maxStep };
          const proposal = fc.array(
            fc.oneof(fc.double({ min: -10, max: 1e6, noNaN: false }), fc.constant(0)),
            {
              minLength: subsets,
              maxLength: subsets,
            },
          );
          return fc.tuple(fc.constant(limits), fc.constant(names), validWeights(names, limits), proposal);
        }),
        ([limits, names, current, proposal]) => {
          const proposed = Object.fromEntries(names.map((n, i) => [n, proposal[i]]));
          const out = applyGuardrails(current, proposed, limits, { nowMs: 0, telemetryFresh: true });
          const w = names.map((n) => out.weights[n]);
          expect(w.every(Number.isInteger)).toBe(true);
          expect(w.reduce((a, b) => a + b, 0)).toBe(limits.total);
          for (const [i, n] of names.entries()) {
            expect(w[i]).toBeGreaterThanOrEqual(limits.minWeight);
            expect(Math.abs(w[i] - current[n])).toBeLessThanOrEqual(limits.maxStep);
          }
        },
      ),
      { seed: 20261122, numRuns: 2000 },
    );
  });

  it("holds the current weights when telemetry is stale or within the cooldown", () => {
    const current = { v1: 50, v2: 50 };
    expect(
      applyGuardrails(current, { v1: 100, v2: 0 }, DEFAULT_GUARDRAILS, { nowMs: 0, telemetryFresh: false }),
    ).toEqual({
      held: true,
      weights: current,
      reason: "telemetry is missing or stale; holding",
    });
    const cooling = applyGuardrails(current, { v1: 100, v2: 0 }, DEFAULT_GUARDRAILS, {
      nowMs: 30_000,
      lastChangeMs: 0,
      telemetryFresh: true,
    });
    expect(cooling).toEqual({ held: true, weights: current, reason: "cooldown: 30s until the next change" });
  });

  it("moves toward the proposal by at most the step, keeping the floor", () => {
    const out = applyGuardrails({ v1: 50, v2: 50 }, { v1: 100, v2: 0 }, DEFAULT_GUARDRAILS, {
      nowMs: 0,
      telemetryFresh: true,
    });
    expect(out).toEqual({ held: false, weights: { v1: 60, v2: 40 }, clamped: true });
    const near = applyGuardrails({ v1: 90, v2: 10 }, { v1: 100, v2: 0 }, DEFAULT_GUARDRAILS, {
      nowMs: 0,
      telemetryFresh: true,
    });
    expect(near.weights).toEqual({ v1: 95, v2: 5 });
  });

  it("passes a proposal within the limits through unchanged", () => {
    const out = applyGuardrails(
      { v1: 50, v2: 30, v3: 20 },
      { v1: 0.45, v2: 0.35, v3: 0.2 },
      DEFAULT_GUARDRAILS,
      { nowMs: 0, telemetryFresh: true },
    );
    expect(out).toEqual({ held: false, weights: { v1: 45, v2: 35, v3: 20 }, clamped: false });
  });

  it("rejects limits no decision could satisfy", () => {
    expect(checkLimits({ ...DEFAULT_GUARDRAILS, minWeight: 40 }, 3)).toBe(
      "minWeight 40 for 3 subsets exceeds the total 100",
    );
    expect(checkLimits({ ...DEFAULT_GUARDRAILS, maxStep: 0 }, 2)).toBe(
      "maxStep 0 must be a positive integer",
    );
    expect(checkLimits(DEFAULT_GUARDRAILS, 3)).toBeUndefined();
  });
});
