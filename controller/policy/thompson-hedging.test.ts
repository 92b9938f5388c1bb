import { DEFAULT_GUARDRAILS } from "../../api/guardrail-limits.js";
import { Random } from "../../common/random.js";
import { simulateControl } from "../sim/control-loop.js";
import type { SimulationConfig } from "../sim/model.js";
import { fractionFaster } from "./fraction-faster.js";
import type { Policy } from "./policy.js";
import { thompsonHedging } from "./thompson-hedging.js";

/** Two versions: v2 runs at a third of v1's speed. */
const twoVersions: SimulationConfig = {
  seed: 11,
  durationMs: 300_000,
  warmupMs: 10_000,
  replicas: [
    ...Array.from({ length: 4 }, () => ({
      subset: "v1",
      slots: 4,
      serviceTime: { kind: "lognormal", meanMs: 20, cv: 1 } as const,
    })),
    ...Array.from({ length: 4 }, () => ({
      subset: "v2",
      slots: 4,
      serviceTime: { kind: "lognormal", meanMs: 20, cv: 1 } as const,
      speed: 1 / 3,
    })),
  ],
  arrivals: { kind: "poisson", rps: 600 },
  routing: { algorithm: "LEAST_REQUEST", weights: { v1: 50, v2: 50 } },
  controlIntervalMs: 10_000,
};
const objectives = { p99LatencyMs: 100, errorRate: 0.001 };

describe("Thompson-sampling weighted hedging", () => {
  it("reads the fraction of fast requests off the quantiles", () => {
    expect(fractionFaster(10, 10, 30, 50)).toBe(0.5);
    expect(fractionFaster(30, 10, 30, 50)).toBe(0.95);
    expect(fractionFaster(40, 10, 30, 50)).toBeCloseTo(0.97, 10);
    expect(fractionFaster(5, 10, 30, 50)).toBe(0.25);
    expect(fractionFaster(100, 10, 30, 50)).toBe(1);
  });

  it("moves traffic to the faster version, one guarded step at a time, down to the floor", async () => {
    const run = await simulateControl(twoVersions, thompsonHedging({ k: 1 }) as Policy<unknown>, {
      objectives,
      guardrails: { ...DEFAULT_GUARDRAILS, cooldownMs: 0 },
      hedgingAllowed: false,
    });
    const weights = run.decisions.map((d) => d.routing.weights.v2);
    for (let i = 1; i < weights.length; i++)
      expect(Math.abs(weights[i] - weights[i - 1])).toBeLessThanOrEqual(DEFAULT_GUARDRAILS.maxStep);
    expect(Math.min(...weights)).toBeGreaterThanOrEqual(DEFAULT_GUARDRAILS.minWeight);
    expect(weights[weights.length - 1]).toBe(DEFAULT_GUARDRAILS.minWeight);
    expect(run.decisions[3].explanation).toMatch(
      /^Fast-and-successful belief: v1 \d+%, v2 \d+%\. Weights v1=\d+ v2=\d+\./,
    );
  });

  it("hedges with k copies after the smoothed p95, and only where hedging is allowed", async () => {
    const hedged = await simulateControl(twoVersions, thompsonHedging({ k: 3 }) as Policy<unknown>, {
      objectives,
      guardrails: DEFAULT_GUARDRAILS,
      hedgingAllowed: true,
    });
    const hedging = hedged.decisions.find((d) => d.routing.retries?.hedge);
    expect(hedging?.routing.retries).toEqual(expect.objectContaining({ attempts: 2, hedge: true }));
    expect(hedging?.explanation).toMatch(/Hedging 3 copies after \d+ ms \(smoothed p95\)\./);
    // When the hedges cost more than the control step's 5% cap, the step takes them out and says so.
    const capped = hedged.decisions.filter((d) => d.safety.some((n) => /over the 5% cap/.test(n)));
    for (const d of capped) expect(d.routing.retries?.hedge).toBeFalsy();
    const notAllowed = await simulateControl(twoVersions, thompsonHedging({ k: 3 }) as Policy<unknown>, {
      objectives,
      guardrails: DEFAULT_GUARDRAILS,
      hedgingAllowed: false,
    });
    expect(notAllowed.decisions.every((d) => d.routing.retries === undefined)).toBe(true);
    expect(notAllowed.result.extraLoad).toBe(0);
  });

  it("holds on stale telemetry", () => {
    const policy = thompsonHedging({ k: 2 });
    const state = policy.initialState(["v1", "v2"]);
    const current = { algorithm: "LEAST_REQUEST" as const, weights: { v1: 50, v2: 50 } };
    const { decision } = policy.decide(
      { atMs: 1, windowMs: 1, subsets: {}, replicas: {}, stale: true },
      state,
      {
        nowMs: 1,
        random: new Random(1),
        current,
        objectives,
        guardrails: DEFAULT_GUARDRAILS,
        hedgingAllowed: true,
      },
    );
    expect(decision).toEqual({
      routing: current,
      explanation: "Telemetry is stale; holding the current routing.",
    });
  });
});
