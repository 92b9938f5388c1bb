import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import type { Observation, ReplicaStats } from "../metrics/observation.js";
import type { RoutingKnobs } from "../policy/policy.js";
import { boundLane, DEFAULT_LANE_LIMITS, servingUtilization } from "./lane-bound.js";

const live: RoutingKnobs = { algorithm: "LEAST_REQUEST", weights: { v1: 100 } };

function pod(subset: string, rps: number, cpu: number | undefined): ReplicaStats {
  return { subset, rps, cpuUtilization: cpu, errorRatio: 0, p50Ms: 20, p95Ms: 50, p99Ms: 90 };
}

/** Eight pods of v1, each serving 100 rps at 50% CPU unless given otherwise. */
function fleet(overrides: Record<string, ReplicaStats> = {}, n = 8): Observation {
  const replicas: Record<string, ReplicaStats> = {};
  for (let i = 0; i < n; i++) replicas[`v1-${i}`] = pod("v1", 100, 0.5);
  Object.assign(replicas, overrides);
  return {
    atMs: 0,
    windowMs: 60_000,
    stale: false,
    subsets: { v1: { ...pod("v1", 800, 0.5), replicas: n } },
    replicas,
  };
}

const propose = (quarantined: string[], probePercent = 1): RoutingKnobs => ({
  ...live,
  lane: { quarantined, probePercent },
});

describe("the lane's bound", () => {
  test("a third of a subset at most, the pods already in the lane kept first, and the list sorted", () => {
    const out = boundLane({
      proposed: propose(["v1-5", "v1-2", "v1-7"]),
      live: propose(["v1-7"]),
      observation: fleet(),
      hedgingAllowed: true,
      limits: DEFAULT_LANE_LIMITS,
    });
    // floor(8 / 3) = 2: v1-7 stays, v1-5 (the policy's first choice) joins, v1-2 is refused.
    expect(out.routing.lane).toEqual({ quarantined: ["v1-5", "v1-7"], probePercent: 1 });
    expect(out.notes).toEqual([
      "v1-2 not quarantined: v1 would have 3 of 8 replicas in the lane, over the bound of 2.",
    ]);
  });

  test("never the last serving pod, even with a share of one", () => {
    const out = boundLane({
      proposed: propose(["v1-0", "v1-1"]),
      live,
      // Lightly loaded, so capacity is not what stops the second.
      observation: fleet({ "v1-0": pod("v1", 100, 0.1), "v1-1": pod("v1", 100, 0.1) }, 2),
      hedgingAllowed: true,
      limits: { ...DEFAULT_LANE_LIMITS, maxQuarantineShare: 1 },
    });
    expect(out.routing.lane?.quarantined).toEqual(["v1-0"]);
  });

  test("only while the rest can carry the load; a slowed pod's small capacity counts as small", () => {
    // v1-0 serves 10 rps at 100% CPU: capacity 10. The others: 100 rps at 85%, capacity ~118 each.
    const hot = fleet(
      Object.fromEntries([
        ["v1-0", pod("v1", 10, 1)],
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => [`v1-${i}`, pod("v1", 100, 0.85)]),
      ]),
    );
    const u = servingUtilization(hot, "v1", new Set(["v1-0"])) as number;
    expect(u).toBeCloseTo(710 / (7 * (100 / 0.85)), 6);
    const refused = boundLane({
      proposed: propose(["v1-0"]),
      live,
      observation: hot,
      hedgingAllowed: true,
      limits: { ...DEFAULT_LANE_LIMITS, maxLaneUtilization: 0.8 },
    });
    expect(refused.routing.lane).toBeUndefined();
    expect(refused.notes[0]).toMatch(/^v1-0 not quarantined: the rest of v1 would run at 86% of capacity/);
    const allowed = boundLane({
      proposed: propose(["v1-0"]),
      live,
      observation: hot,
      hedgingAllowed: true,
      limits: DEFAULT_LANE_LIMITS,
    });
    expect(allowed.routing.lane?.quarantined).toEqual(["v1-0"]);
  });

  test("a pod in the lane goes back when the serving pods run hot", () => {
    const hot = fleet(
      Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((i) => [`v1-${i}`, pod("v1", 100, 0.99)])),
    );
    const out = boundLane({
      proposed: propose(["v1-7"]),
      live: propose(["v1-7"]),
      observation: hot,
      hedgingAllowed: true,
      limits: DEFAULT_LANE_LIMITS,
    });
    expect(out.routing.lane).toBeUndefined();
    expect(out.notes[0]).toMatch(/^v1-7 returned from the lane: the rest of v1 runs at/);
  });

  test("no CPU figures: no new quarantine; a pod nobody reports is not quarantined; no probes on routes that may not be replayed", () => {
    const blind = fleet(
      Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`v1-${i}`, pod("v1", 100, undefined)])),
    );
    const out = boundLane({
      proposed: propose(["v1-0", "v1-9"], 5),
      live,
      observation: blind,
      hedgingAllowed: true,
      limits: DEFAULT_LANE_LIMITS,
    });
    expect(out.routing.lane).toBeUndefined();
    expect(out.notes).toEqual([
      "v1-0 not quarantined: without CPU figures for v1, the capacity left is unknown.",
      "v1-9 not quarantined: no telemetry names it.",
    ]);
    const noReplay = boundLane({
      proposed: propose(["v1-0"], 5),
      live,
      observation: fleet(),
      hedgingAllowed: false,
      limits: DEFAULT_LANE_LIMITS,
    });
    expect(noReplay.routing.lane).toEqual({ quarantined: ["v1-0"], probePercent: 0 });
    const capped = boundLane({
      proposed: propose(["v1-0"], 5),
      live,
      observation: fleet(),
      hedgingAllowed: true,
      limits: DEFAULT_LANE_LIMITS,
    });
    expect(capped.routing.lane?.probePercent).toBe(DEFAULT_LANE_LIMITS.maxProbePercent);
  });

  test("property: whatever is proposed, no subset has more than its bound in the lane, nor its last pod", () => {
    const arb = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      cpu: fc.array(fc.option(fc.double({ min: 0, max: 1.2, noNaN: true }), { nil: undefined }), {
        minLength: 36,
        maxLength: 36,
      }),
      rps: fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 36, maxLength: 36 }),
      proposed: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 }),
      live: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 10 }),
    });
    fc.assert(
      fc.property(arb, ({ sizes, share, cpu, rps, proposed, live: inLane }) => {
        const replicas: Record<string, ReplicaStats> = {};
        const names: string[] = [];
        sizes.forEach((n, s) => {
          for (let i = 0; i < n; i++) {
            const k = names.length;
            names.push(`v${s}-${i}`);
            replicas[`v${s}-${i}`] = pod(`v${s}`, rps[k], cpu[k]);
          }
        });
        const observation: Observation = {
          atMs: 0,
          windowMs: 60_000,
          stale: false,
          subsets: Object.fromEntries(
            sizes.map((n, s) => [`v${s}`, { ...pod(`v${s}`, 1, 0.5), replicas: n }]),
          ),
          replicas,
        };
        const name = (i: number) => names[i] ?? `ghost-${i}`;
        const out = boundLane({
          proposed: propose(proposed.map(name)),
          live: inLane.length > 0 ? propose(inLane.map(name)) : live,
          observation,
          hedgingAllowed: true,
          limits: { ...DEFAULT_LANE_LIMITS, maxQuarantineShare: share },
        });
        const lane = out.routing.lane?.quarantined ?? [];
        expect(new Set(lane).size).toBe(lane.length);
        sizes.forEach((n, s) => {
          const held = lane.filter((p) => replicas[p]?.subset === `v${s}`).length;
          expect(held).toBeLessThanOrEqual(Math.floor(share * n));
          expect(held).toBeLessThan(n);
        });
        // Only pods the telemetry names, or that were already in the lane, can be in it.
        for (const p of lane) expect(replicas[p] !== undefined || inLane.map(name).includes(p)).toBe(true);
      }),
      { seed: 14, numRuns: 300 },
    );
  });
});
