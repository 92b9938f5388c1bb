import { describe, expect, test } from "@jest/globals";
import { Random } from "../../common/random.js";
import type { Observation, ReplicaStats } from "../metrics/observation.js";
import type { RoutingKnobs } from "./policy.js";
import { INITIAL_LANES, type LaneState, proposeLane } from "./replica-lanes.js";

const healthy: Omit<ReplicaStats, "subset"> = {
  rps: 150,
  errorRatio: 0,
  p50Ms: 18,
  p95Ms: 50,
  p99Ms: 90,
  cpuUtilization: 0.8,
};
const slow: Omit<ReplicaStats, "subset"> = { ...healthy, rps: 15, p50Ms: 250, p95Ms: 700, p99Ms: 1200 };

function observation(pods: Record<string, Omit<ReplicaStats, "subset">>, p99Ms = 90): Observation {
  return {
    atMs: 0,
    windowMs: 60_000,
    stale: false,
    subsets: { v1: { ...healthy, p99Ms, replicas: Object.keys(pods).length } },
    replicas: Object.fromEntries(Object.entries(pods).map(([k, v]) => [k, { ...v, subset: "v1" }])),
  };
}

const fleet = (bad: string[] = [], override = slow) =>
  Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => `v1-${i}`).map((p) => [p, bad.includes(p) ? override : healthy]),
  );

function decide(obs: Observation, state: LaneState, lane: string[], nowMs: number, hedgingAllowed = true) {
  const current: RoutingKnobs = {
    algorithm: "LEAST_REQUEST",
    weights: { v1: 100 },
    ...(lane.length > 0 ? { lane: { quarantined: lane, probePercent: 1 } } : {}),
  };
  return proposeLane(obs, state, {
    nowMs,
    random: new Random(7),
    current,
    objectives: { p99LatencyMs: 100, errorRate: 0.001 },
    hedgingAllowed,
  });
}

describe("Thompson sampling over per-replica arms", () => {
  test("a browned-out pod goes to the lane, with probes where requests may be replayed, and says why", () => {
    const out = decide(observation(fleet(["v1-3"])), INITIAL_LANES, [], 60_000);
    expect(out.lane).toEqual({ quarantined: ["v1-3"], probePercent: 1 });
    expect(out.note).toMatch(
      /Lane: v1-3 to the lane \(slow or failed \d+\.\d% of tries, fleet median \d+\.\d%\)/,
    );
    expect(out.state.entered).toEqual({ "v1-3": 60_000 });
    expect(decide(observation(fleet(["v1-3"])), INITIAL_LANES, [], 60_000, false).lane?.probePercent).toBe(0);
  });

  test("a healthy fleet, or too few pods to compare, puts nobody in the lane", () => {
    expect(decide(observation(fleet()), INITIAL_LANES, [], 0).lane).toBeUndefined();
    const two = observation({ "v1-0": healthy, "v1-1": slow });
    expect(decide(two, INITIAL_LANES, [], 0).lane).toBeUndefined();
  });

  test("it comes back when its probes look like the fleet, or on probation when its time is up", () => {
    const first = decide(observation(fleet(["v1-3"])), INITIAL_LANES, [], 60_000);
    // Probes now fast: its posterior recovers over a few intervals and it returns.
    let state = first.state;
    let lane = first.lane?.quarantined ?? [];
    let back: number | undefined;
    for (let t = 70_000; t <= 120_000 && back === undefined; t += 10_000) {
      const out = decide(observation(fleet(["v1-3"], { ...healthy, rps: 12 })), state, [...lane], t);
      state = out.state;
      lane = out.lane?.quarantined ?? [];
      if (lane.length === 0) back = t;
    }
    expect(back).toBeDefined();
    // Without probes (nothing reported for it), it returns on probation after 30 s.
    const silent = fleet();
    delete (silent as Record<string, unknown>)["v1-3"];
    const held = decide(observation(silent), first.state, ["v1-3"], 80_000);
    expect(held.lane?.quarantined).toEqual(["v1-3"]);
    const freed = decide(observation(silent), first.state, ["v1-3"], 90_000);
    expect(freed.lane).toBeUndefined();
    expect(freed.note).toMatch(/v1-3 back from the lane \(on probation after 30 s\)/);
  });

  test("when the serving pods are far outside the objective a window later, the lane gives its capacity back", () => {
    const first = decide(observation(fleet(["v1-3"])), INITIAL_LANES, [], 60_000);
    const overloaded = observation(fleet(["v1-3"]), 450);
    const soon = decide(overloaded, first.state, ["v1-3"], 70_000);
    expect(soon.lane?.quarantined).toEqual(["v1-3"]);
    const later = decide(overloaded, first.state, ["v1-3"], 120_000);
    expect(later.lane).toBeUndefined();
    expect(later.note).toMatch(/over 2x the objective, after a window/);
  });

  test("a pod gone from the telemetry and the lane is forgotten once its evidence fades", () => {
    let state = decide(observation(fleet()), INITIAL_LANES, [], 0).state;
    const without = fleet();
    delete (without as Record<string, unknown>)["v1-7"];
    for (let t = 10_000; t < 400_000; t += 10_000) state = decide(observation(without), state, [], t).state;
    expect(Object.keys(state.arms)).not.toContain("v1-7");
    expect(Object.keys(state.arms)).toContain("v1-0");
  });
});
